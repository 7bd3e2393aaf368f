"""A structlog processor that splits gunicorn's access-log line (Apache combined format) into fields."""
import re

_COMBINED = re.compile(r"\s+".join([
    r"(?P<host>\S+)",          # %h
    r"\S+",                    # %l (unused)
    r"(?P<user>\S+)",          # %u
    r"\[(?P<time>.+)\]",       # %t
    r'"(?P<request>.*)"',      # "%r"
    r"(?P<status>[0-9]+)",     # %s
    r"(?P<size>\S+)",          # %b, '-' when empty
    r'"(?P<referer>.*)"',      # "%{Referer}i"
    r'"(?P<agent>.*)"',        # "%{User-agent}i"
]) + r"\s*\Z")


def combined_logformat(logger, method_name, event_dict):
    if event_dict.get("logger") != "gunicorn.access":
        return event_dict
    match = _COMBINED.match(str(event_dict.get("event", "")))
    if match is None:
        return event_dict
    fields = match.groupdict()
    fields["user"] = None if fields["user"] == "-" else fields["user"]
    fields["status"] = int(fields["status"])
    fields["size"] = 0 if fields["size"] == "-" else int(fields["size"])
    fields["referer"] = None if fields["referer"] == "-" else fields["referer"]
    event_dict.update(fields)
    return event_dict
