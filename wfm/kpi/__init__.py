"""KPIs, pay and scorecards (see issue 5)."""
