"""orderdesk: order management for clinical and laboratory supply chains."""

__version__ = "0.1.0"
