def parse_duration(text):
    """Seconds in a duration such as 1h30m."""
    raise NotImplementedError
