"""Patients and sites: whom and where a customer's orders are for."""
