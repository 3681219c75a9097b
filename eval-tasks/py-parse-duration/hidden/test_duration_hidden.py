from duration import parse_duration

assert parse_duration("90s") == 90
assert parse_duration("15m") == 900
assert parse_duration("1h30m") == 5400
assert parse_duration("2d4h") == 187200
for bad in ["", "h", "1x", "30m1h", "1h1h", "-5s"]:
    try:
        parse_duration(bad)
    except ValueError:
        continue
    raise AssertionError(f"{bad!r} should raise ValueError")
print("ok")
