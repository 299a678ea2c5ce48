"""HTTP views: provider webhooks, health and metrics."""
