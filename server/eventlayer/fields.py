"""Checks for single event fields and for property values, with no I/O.

Each check either returns the value in its stored form or raises ``Rejected`` with a reason that names the
field. Values that are only suspicious (non-finite numbers) are stored as null and reported through a flag.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
NON_FINITE_TEXT = frozenset({"NaN", "Infinity", "+Infinity", "-Infinity"})

# msgpack carries integers from -2**63 to 2**64 - 1, and so do ClickHouse's Int64 and UInt64. A larger
# integer can only come from JSON and cannot be read back as a number by ClickHouse's JSON functions.
INT_MIN = -(2**63)
INT_MAX = 2**64 - 1

# Maximum length of a field path in a reason or a flag. Property paths could otherwise reach thousands of
# characters.
MAX_SHOWN_PATH = 300


class Rejected(ValueError):
    """An event, or a whole batch, that is not accepted.

    ``field`` names the offending field (``event``, ``events``, ``event_name``, ``properties.cart.items[2]``...)
    and ``reason`` is a complete message for the client that names that field.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def type_name(value: object) -> str:
    """Name a decoded value's type in JSON and msgpack terms, for messages sent to clients."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "binary data"
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"an unsupported type ({type(value).__name__})"


def quote(text: str, limit: int = 60) -> str:
    """Quote a client string for a message, cut to ``limit`` code points so that a reason stays short."""
    if len(text) > limit:
        text = text[:limit] + "..."
    return repr(text)


def show_key(key: str) -> str:
    """Render a property key for a path: lone surrogates and NUL escaped, so the path can be sent back."""
    if not key.isascii():
        key = key.encode("utf-8", "backslashreplace").decode("utf-8")
    return key.replace("\x00", "\\u0000")


def cap_path(path: str) -> str:
    if len(path) > MAX_SHOWN_PATH:
        return path[:MAX_SHOWN_PATH] + "..."
    return path


def check_string(value: str, field: str) -> None:
    """Reject a string that contains U+0000 or is not valid UTF-8 (a lone surrogate from a lenient decoder)."""
    if "\x00" in value:
        raise Rejected(field, f"{field} contains U+0000 (NUL), which is not allowed anywhere in an event")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Rejected(field, f"{field} is not valid UTF-8 (it contains a lone surrogate)") from None


def check_length(value: str, field: str, limit: int, what: str = "") -> None:
    length = len(value)
    if length > limit:
        raise Rejected(field, f"{field}{what} is {length:,} characters (Unicode code points); the limit is {limit:,}")


def text(value: object, field: str, limit: int, *, required: bool = False, allow_int: bool = False) -> str:
    """Check a string field; None and "" mean absent and return "", or raise when ``required``."""
    if value is None or value == "":
        if required:
            raise Rejected(field, f"{field} is missing")
        return ""
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        return str(integer(value, field))
    if not isinstance(value, str):
        expected = "a string or an integer" if allow_int else "a string"
        raise Rejected(field, f"{field} must be {expected}; got {type_name(value)}")
    check_length(value, field, limit)
    check_string(value, field)
    return value


def integer(value: int, field: str) -> int:
    if not INT_MIN <= value <= INT_MAX:
        raise Rejected(field, f"{field} is an integer outside the 64-bit range (-2^63 to 2^64-1)")
    return value


def value_text(value: object, field: str, limit: int, flags: list[str]) -> str:
    """Store a scalar as text: booleans as true/false, integers in decimal, floats as Python's repr."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(integer(value, field))
    if isinstance(value, float):
        if not math.isfinite(value):
            flags.append(f"non_finite:{field}")
            return ""
        return repr(value)
    if isinstance(value, str):
        return text(value, field, limit)
    raise Rejected(field, f"{field} must be a string, a number or a boolean; got {type_name(value)}")


def coordinate(value: object, field: str, bound: int, flags: list[str]) -> float | None:
    """Check a latitude (bound 90) or longitude (bound 180) given as a number or a numeric string."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Rejected(field, f"{field} must be a number or a numeric string; got a boolean")
    if isinstance(value, str):
        check_string(value, field)
        if value in NON_FINITE_TEXT:
            flags.append(f"non_finite:{field}")
            return None
        if not NUMBER_RE.fullmatch(value):
            raise Rejected(field, f"{field} must be a number or a numeric string; got {quote(value)}")
        number: int | float | Decimal = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            flags.append(f"non_finite:{field}")
            return None
        number = value
    elif isinstance(value, int):
        number = value
    else:
        raise Rejected(field, f"{field} must be a number or a numeric string; got {type_name(value)}")
    # Compare before converting: float() of a huge integer raises OverflowError.
    if not -bound <= number <= bound:
        raise Rejected(field, f"{field} is out of range; it must be between -{bound} and {bound} degrees")
    return float(number)


def boolean(value: object, field: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise Rejected(field, f"{field} must be true or false; got {type_name(value)}")


def check_key(key: object, parent: str, max_key_chars: int) -> str:
    """Check a map key and return the path of its value under ``parent`` ("" at the top of an event)."""
    if not isinstance(key, str):
        field = parent or "event"
        raise Rejected(field, f"{field} has a key that is not a string ({type_name(key)}); keys must be strings")
    path = cap_path(f"{parent}.{show_key(key)}" if parent else show_key(key))
    check_length(key, path, max_key_chars, what=": the key")
    check_string(key, path)
    return path


def clean_value(value: object, path: str, depth: int, max_depth: int, max_key_chars: int, flags: list[str]):
    """Check a property value and return a copy with non-finite floats replaced by None.

    ``depth`` is the nesting level of ``value`` if it is a map or list (the ``properties`` map itself is 1).
    The walk uses an explicit stack, so a value nested thousands of levels deep is rejected at ``max_depth``
    without recursion. Appends ``non_finite:<path>`` to ``flags`` for each replaced float.
    """
    if not isinstance(value, (dict, list, tuple)):
        return _clean_scalar(value, path, flags)

    holder = [value]
    stack = [(holder, 0, value, path, depth)]
    while stack:
        parent, slot, item, item_path, item_depth = stack.pop()
        if item_depth > max_depth:
            raise Rejected(
                item_path, f"{item_path} is nested {item_depth} levels deep; the limit is {max_depth} levels"
            )
        # Copy first, then replace only the entries that change: copying is done in C, and most values are
        # plain strings and numbers. A child's path is built only when it is needed, for a nested container,
        # a flag or a reason.
        is_map = isinstance(item, dict)
        copy: dict | list = dict(item) if is_map else list(item)
        for key, child in item.items() if is_map else enumerate(item):
            if is_map and not _is_plain_key(key, max_key_chars):
                check_key(key, item_path, max_key_chars)
            kind = type(child)
            if kind is str:
                if "\x00" in child or not (child.isascii() or _is_utf8(child)):
                    check_string(child, _child_path(item_path, key, is_map))
            elif kind is int or kind is bool or child is None:
                if kind is int and not INT_MIN <= child <= INT_MAX:
                    integer(child, _child_path(item_path, key, is_map))
            elif isinstance(child, (dict, list, tuple)):
                stack.append((copy, key, child, _child_path(item_path, key, is_map), item_depth + 1))
            else:
                copy[key] = _clean_scalar(child, _child_path(item_path, key, is_map), flags)
        parent[slot] = copy
    return holder[0]


def _is_plain_key(key: object, max_key_chars: int) -> bool:
    """Return True for a key that passes check_key, checked without building its path."""
    return (
        type(key) is str
        and len(key) <= max_key_chars
        and "\x00" not in key
        and (key.isascii() or _is_utf8(key))
    )


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _child_path(parent: str, key: object, is_map: bool) -> str:
    if is_map:
        return cap_path(f"{parent}.{show_key(key)}")
    return cap_path(f"{parent}[{key}]")


def _clean_scalar(value: object, path: str, flags: list[str]):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return integer(value, path)
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        flags.append(f"non_finite:{path}")
        return None
    if isinstance(value, str):
        check_string(value, path)
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise Rejected(path, f"{path} is binary data; property values must be JSON-like (send text, e.g. base64)")
    raise Rejected(path, f"{path} is {type_name(value)}; property values must be JSON-like")
