async def test_healthz_answers_ok(client):
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok"}
