"""Reusable dashboard widgets: metric cards, plotext charts and data tables."""
