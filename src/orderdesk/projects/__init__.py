"""Projects: folders of orders for one case (several orders over time for one patient)."""
