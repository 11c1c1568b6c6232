"""Expression operators of MongoDB 7 that the emulated engine (mongomock 4.3) lacks or gets
wrong, written from MongoDB's manual: $round and $trunc with a place, the $type expression,
the date-part operators with a timezone and with null or missing dates (mongomock crashes),
$dateToString with timezone and onNull, $dateTrunc, $dateAdd, $dateSubtract, $dateDiff, the
conversions ($convert, $toString, $toInt, $toLong, $toDouble, $toBool, $toDate; mongomock
turns null into "None" or crashes), $mergeObjects, $replaceOne and $replaceAll.

``install()`` (mongo_stages.install calls it) puts them in front of mongomock's expression
parser: an operator named here is evaluated here, every other one by mongomock. A learner's
mistake raises mongomock's OperationFailure, which the store reports as MongoDB's refusal.

Known differences from mongod: doubles are rounded through their 15-significant-digit decimal
form (as mongod converts a double to Decimal128 before $round); %b/%B month names and the
ISO-week parts of $dateFromParts are not emulated (mongomock's own code answers for those).
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import math
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bson import Decimal128, ObjectId, Regex, Timestamp
from bson import errors as bson_errors
from mongomock import OperationFailure, aggregate

MISSING = object()  # a field that is not there (MongoDB tells it apart from null)
UTC = dt.UTC


class Expr:
    """Evaluates sub-expressions with mongomock's parser; a missing field is MISSING."""

    def __init__(self, parser: Any):
        self.parser = parser

    def __call__(self, expression: Any) -> Any:
        try:
            return self.parser.parse(expression)
        except KeyError:
            return MISSING

    def args(self, value: Any, operator: str, low: int, high: int) -> list[Any]:
        items = value if isinstance(value, list) else [value]
        if not low <= len(items) <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            raise OperationFailure(f"Expression {operator} takes {wanted} arguments. {len(items)} were passed in.")
        return [self(item) for item in items]


def nullish(value: Any) -> bool:
    return value is None or value is MISSING


def is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) or isinstance(value, Decimal128)


def bson_type(value: Any) -> str:
    """The name $type returns (and $convert's error messages use)."""
    if value is MISSING:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if -(2**31) <= value < 2**31 else "long"
    names = [
        (float, "double"), (str, "string"), (dict, "object"), (list, "array"), (ObjectId, "objectId"),
        (dt.datetime, "date"), (Decimal128, "decimal"), (Timestamp, "timestamp"), (bytes, "binData"),
    ]  # fmt: skip
    for kind, name in names:
        if isinstance(value, kind):
            return name
    if isinstance(value, (Regex, re.Pattern)):
        return "regex"
    return type(value).__name__


# --------------------------------------------------------------------------- arithmetic


def _rounded(operator: str, value: Any, place: int) -> Any:
    """Half to even for $round (as the manual says), toward zero for $trunc, at ``place``."""
    mode = decimal.ROUND_HALF_EVEN if operator == "$round" else decimal.ROUND_DOWN
    context = decimal.Context(prec=120)
    step = decimal.Decimal(1).scaleb(-place)
    if isinstance(value, int):
        if place >= 0:
            return value
        return int(decimal.Decimal(value).quantize(step, rounding=mode, context=context))
    if isinstance(value, Decimal128):
        return Decimal128(value.to_decimal().quantize(step, rounding=mode, context=context))
    if math.isnan(value) or math.isinf(value):
        return value
    exact = decimal.Decimal(format(value, ".15g"))
    return float(exact.quantize(step, rounding=mode, context=context))


def round_or_trunc(operator: str, ev: Expr, args: Any) -> Any:
    """$round and $trunc: [number, place]; place between -20 and 100 (exclusive)."""
    items = ev.args(args, operator, 1, 2)
    number = items[0]
    place = items[1] if len(items) == 2 else 0
    if nullish(number) or nullish(place):
        return None
    if not is_number(number):
        raise OperationFailure(f"{operator} only supports numeric types, not {bson_type(number)}")
    if not is_number(place) or float(_plain(place)) != int(_plain(place)):
        raise OperationFailure(f"{operator} requires a whole number as its place argument")
    place = int(_plain(place))
    if not -20 < place < 100:
        raise OperationFailure(f"cannot apply {operator} with precision value {place} value must be in [-20, 100]")
    return _rounded(operator, number, place)


def _plain(value: Any) -> Any:
    return value.to_decimal() if isinstance(value, Decimal128) else value


# --------------------------------------------------------------------------- dates


_OFFSET = re.compile(r"^([+-])(\d{2})(?::?(\d{2}))?$")


def timezone(name: Any) -> dt.tzinfo:
    """An Olson identifier ("Europe/Paris") or a UTC offset ("+02", "-0530", "+04:45")."""
    if not isinstance(name, str):
        raise OperationFailure(f"timezone must evaluate to a string, found {bson_type(name)}")
    match = _OFFSET.match(name)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
        return dt.timezone(sign * dt.timedelta(minutes=minutes))
    if name.upper() in ("UTC", "GMT", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise OperationFailure(f'unrecognized time zone identifier: "{name}"') from None


def as_date(value: Any, operator: str) -> dt.datetime:
    """A Date, Timestamp or ObjectId as an aware UTC datetime; anything else is refused."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, ObjectId):
        return value.generation_time
    if isinstance(value, Timestamp):
        return value.as_datetime()
    raise OperationFailure(f"{operator}: can't convert from BSON type {bson_type(value)} to Date")


def naive_utc(value: dt.datetime) -> dt.datetime:
    """How dates are stored: naive, in UTC, to the millisecond."""
    value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _date_args(ev: Expr, args: Any, operator: str) -> tuple[Any, dt.tzinfo]:
    if isinstance(args, dict) and "date" in args:
        unknown = set(args) - {"date", "timezone"}
        if unknown:
            raise OperationFailure(f"{operator} found an unknown argument: {sorted(unknown)[0]}")
        zone = ev(args["timezone"]) if "timezone" in args else "UTC"
        return ev(args["date"]), (None if nullish(zone) else timezone(zone))  # type: ignore[return-value]
    if isinstance(args, list):
        if len(args) != 1:
            raise OperationFailure(f"Expression {operator} takes exactly 1 arguments. {len(args)} were passed in.")
        args = args[0]
    return ev(args), UTC


def _week(local: dt.datetime) -> int:
    """$week: weeks begin on Sunday; days before the first Sunday are week 0."""
    return int(local.strftime("%U"))


DATE_PARTS = {
    "$year": lambda d: d.year,
    "$month": lambda d: d.month,
    "$dayOfMonth": lambda d: d.day,
    "$hour": lambda d: d.hour,
    "$minute": lambda d: d.minute,
    "$second": lambda d: d.second,
    "$millisecond": lambda d: d.microsecond // 1000,
    "$dayOfYear": lambda d: d.timetuple().tm_yday,
    "$dayOfWeek": lambda d: d.isoweekday() % 7 + 1,  # 1 = Sunday ... 7 = Saturday
    "$week": _week,
    "$isoWeek": lambda d: d.isocalendar()[1],
    "$isoWeekYear": lambda d: d.isocalendar()[0],
    "$isoDayOfWeek": lambda d: d.isoweekday(),
}


def date_part(operator: str, ev: Expr, args: Any) -> Any:
    date, zone = _date_args(ev, args, operator)
    if nullish(date) or zone is None:
        return None
    return DATE_PARTS[operator](as_date(date, operator).astimezone(zone))


def _offset(local: dt.datetime) -> dt.timedelta:
    return local.utcoffset() or dt.timedelta(0)


def format_date(fmt: str, local: dt.datetime) -> str:
    """MongoDB's format specifiers (not C's strftime: %L, %Z, %u and %V differ)."""
    offset = int(_offset(local).total_seconds() // 60)
    sign = "-" if offset < 0 else "+"
    iso = local.isocalendar()
    specifiers = {
        "d": f"{local.day:02d}", "G": f"{iso[0]:04d}", "H": f"{local.hour:02d}",
        "j": f"{local.timetuple().tm_yday:03d}", "L": f"{local.microsecond // 1000:03d}",
        "m": f"{local.month:02d}", "M": f"{local.minute:02d}", "S": f"{local.second:02d}",
        "w": str(local.isoweekday() % 7 + 1), "u": str(iso[2]), "U": f"{_week(local):02d}",
        "V": f"{iso[1]:02d}", "Y": f"{local.year:04d}",
        "z": f"{sign}{abs(offset) // 60:02d}{abs(offset) % 60:02d}", "Z": f"{sign}{abs(offset):03d}",
        "b": calendar.month_abbr[local.month], "B": calendar.month_name[local.month], "%": "%",
    }  # fmt: skip
    out, i = [], 0
    while i < len(fmt):
        char = fmt[i]
        if char != "%":
            out.append(char)
            i += 1
            continue
        code = fmt[i + 1] if i + 1 < len(fmt) else ""
        if code not in specifiers:
            raise OperationFailure(f"$dateToString: invalid format character '%{code}' in format string")
        out.append(specifiers[code])
        i += 2
    return "".join(out)


def date_to_string(ev: Expr, args: Any) -> Any:
    if not isinstance(args, dict) or "date" not in args:
        raise OperationFailure("$dateToString requires an object with a 'date' field")
    unknown = set(args) - {"date", "format", "timezone", "onNull"}
    if unknown:
        raise OperationFailure(f"Unrecognized argument to $dateToString: {sorted(unknown)[0]}")
    date = ev(args["date"])
    if nullish(date):
        if "onNull" not in args:
            return None
        fallback = ev(args["onNull"])
        return None if fallback is MISSING else fallback
    zone_name = ev(args["timezone"]) if "timezone" in args else "UTC"
    fmt = ev(args["format"]) if "format" in args else MISSING
    if nullish(zone_name) or fmt is None:
        return None
    zone = timezone(zone_name)
    local = as_date(date, "$dateToString").astimezone(zone)
    if fmt is MISSING:  # the default leaves out the Z when the time is not in UTC
        fmt = "%Y-%m-%dT%H:%M:%S.%LZ" if _offset(local) == dt.timedelta(0) and zone is UTC else "%Y-%m-%dT%H:%M:%S.%L"
    if not isinstance(fmt, str):
        raise OperationFailure(f"$dateToString requires that 'format' be a string, found: {bson_type(fmt)}")
    return format_date(fmt, local)


UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond")
_FIXED = {"week": 7 * 86400_000, "day": 86400_000, "hour": 3600_000, "minute": 60_000, "second": 1000,
          "millisecond": 1}  # fmt: skip
_WEEKDAYS = {name: i for i, names in enumerate(
    [("monday", "mon"), ("tuesday", "tue"), ("wednesday", "wed"), ("thursday", "thu"), ("friday", "fri"),
     ("saturday", "sat"), ("sunday", "sun")]) for name in names}  # fmt: skip


def _fields(ev: Expr, args: Any, operator: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(args, dict):
        raise OperationFailure(f"{operator} only supports an object as its argument")
    unknown = set(args) - required - optional
    if unknown:
        raise OperationFailure(f"Unrecognized argument to {operator}: {sorted(unknown)[0]}")
    for name in sorted(required - set(args)):
        raise OperationFailure(f"Missing '{name}' parameter to {operator}")
    return {name: ev(value) for name, value in args.items()}


def _unit(value: Any, operator: str) -> str:
    if value not in UNITS:
        raise OperationFailure(f"{operator}: unit must be one of {', '.join(UNITS)}, found {value!r}")
    return value


def _add_months(local: dt.datetime, months: int) -> dt.datetime:
    total = local.year * 12 + local.month - 1 + months
    year, month = divmod(total, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])  # Jan 31 + 1 month = Feb 29 / 28
    return local.replace(year=year, month=month + 1, day=day)


def _local(naive: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A wall-clock time in ``zone`` as an aware datetime (DST is resolved by zoneinfo)."""
    return naive.replace(tzinfo=zone)


def date_trunc(ev: Expr, args: Any) -> Any:
    """$dateTrunc: the start of the bin of ``binSize`` units that holds the date; bins count
    from 2000-01-01 (weeks: from the first ``startOfWeek`` on or after it) in the timezone."""
    f = _fields(ev, args, "$dateTrunc", {"date", "unit"}, {"binSize", "timezone", "startOfWeek"})
    if any(nullish(f.get(k, 0)) for k in ("date", "unit", "binSize", "timezone")):
        return None
    unit = _unit(f["unit"], "$dateTrunc")
    if unit == "week" and nullish(f.get("startOfWeek", "sunday")):
        return None
    size = f.get("binSize", 1)
    if not is_number(size) or float(_plain(size)) != int(_plain(size)) or int(_plain(size)) <= 0:
        raise OperationFailure("$dateTrunc requires 'binSize' to be a positive whole number")
    size = int(_plain(size))
    zone = timezone(f["timezone"]) if "timezone" in f else UTC
    local = as_date(f["date"], "$dateTrunc").astimezone(zone)
    wall = local.replace(tzinfo=None)
    if unit in ("year", "quarter", "month"):
        months = {"year": 12, "quarter": 3, "month": 1}[unit] * size
        index = (wall.year - 2000) * 12 + wall.month - 1
        start = index - index % months
        year, month = divmod(start, 12)
        floor = dt.datetime(2000 + year, month + 1, 1)
    else:
        reference = dt.datetime(2000, 1, 1)
        if unit == "week":
            first = str(f.get("startOfWeek", "sunday")).lower()
            if first not in _WEEKDAYS:
                raise OperationFailure(f"$dateTrunc: unknown startOfWeek '{f['startOfWeek']}'")
            reference += dt.timedelta(days=(_WEEKDAYS[first] - reference.weekday()) % 7)
        step = _FIXED[unit] * size
        if unit in ("week", "day"):  # calendar days in the timezone: bins follow the wall clock
            elapsed = (wall - reference) // dt.timedelta(milliseconds=1)
            floor = reference + dt.timedelta(milliseconds=elapsed - elapsed % step)
        else:  # hours and smaller are absolute durations (a DST change does not stretch them)
            return naive_utc(_absolute_floor(local, zone, step))
    return naive_utc(_local(floor, zone))


def _absolute_floor(local: dt.datetime, zone: dt.tzinfo, step: int) -> dt.datetime:
    reference = _local(dt.datetime(2000, 1, 1), zone).astimezone(UTC)
    elapsed = (local.astimezone(UTC) - reference) // dt.timedelta(milliseconds=1)
    return reference + dt.timedelta(milliseconds=elapsed - elapsed % step)


def date_add(operator: str, ev: Expr, args: Any) -> Any:
    f = _fields(ev, args, operator, {"startDate", "unit", "amount"}, {"timezone"})
    if any(nullish(f.get(k, "UTC")) for k in ("startDate", "unit", "amount", "timezone")):
        return None
    unit = _unit(f["unit"], operator)
    amount = f["amount"]
    if not is_number(amount) or float(_plain(amount)) != int(_plain(amount)):
        raise OperationFailure(f"{operator} expects integer amount of time units")
    amount = int(_plain(amount)) * (-1 if operator == "$dateSubtract" else 1)
    zone = timezone(f["timezone"]) if "timezone" in f else UTC
    start = as_date(f["startDate"], operator)
    if unit in ("year", "quarter", "month"):
        months = amount * {"year": 12, "quarter": 3, "month": 1}[unit]
        wall = _add_months(start.astimezone(zone).replace(tzinfo=None), months)
        return naive_utc(_local(wall, zone))
    if unit in ("week", "day"):
        wall = start.astimezone(zone).replace(tzinfo=None) + dt.timedelta(milliseconds=amount * _FIXED[unit])
        return naive_utc(_local(wall, zone))
    return naive_utc(start + dt.timedelta(milliseconds=amount * _FIXED[unit]))


def date_diff(ev: Expr, args: Any) -> Any:
    """$dateDiff counts unit boundaries crossed (not whole elapsed units), in the timezone."""
    f = _fields(ev, args, "$dateDiff", {"startDate", "endDate", "unit"}, {"timezone", "startOfWeek"})
    if any(nullish(f.get(k, "UTC")) for k in ("startDate", "endDate", "unit", "timezone")):
        return None
    unit = _unit(f["unit"], "$dateDiff")
    zone = timezone(f["timezone"]) if "timezone" in f else UTC
    start = as_date(f["startDate"], "$dateDiff").astimezone(zone)
    end = as_date(f["endDate"], "$dateDiff").astimezone(zone)
    if unit in ("year", "quarter", "month"):
        months = {"year": 12, "quarter": 3, "month": 1}[unit]
        return (end.year * 12 + end.month - 1) // months - (start.year * 12 + start.month - 1) // months
    truncated = [
        date_trunc(Expr(_Constant()), {"date": d, "unit": unit, "timezone": f.get("timezone", "UTC"),
                                       "startOfWeek": f.get("startOfWeek", "sunday")})
        for d in (start, end)
    ]  # fmt: skip
    return (truncated[1] - truncated[0]) // dt.timedelta(milliseconds=_FIXED[unit])


class _Constant:
    """A parser for values already evaluated."""

    def parse(self, value: Any) -> Any:
        return value


# --------------------------------------------------------------------------- conversions


def _to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return format_date("%Y-%m-%dT%H:%M:%S.%LZ", as_date(value, "$toString"))
    if isinstance(value, (str, int, ObjectId, Decimal128)):
        return str(value)
    raise TypeError(value)


def _to_number(value: Any, target: str) -> Any:
    if isinstance(value, bool):
        return (
            {"double": float, "int": int, "long": int}[target](value)
            if target != "decimal"
            else Decimal128(str(int(value)))
        )
    if isinstance(value, dt.datetime) and target in ("long", "double", "decimal"):
        millis = (as_date(value, "$convert") - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(milliseconds=1)
        return Decimal128(str(millis)) if target == "decimal" else (float(millis) if target == "double" else millis)
    if isinstance(value, str):
        text = value.strip()
        if target in ("int", "long"):
            if not re.fullmatch(r"[+-]?\d+", text):
                raise ValueError(value)
            number: Any = int(text)
        else:
            number = decimal.Decimal(text)
            if not number.is_finite() and text.lower() not in ("nan", "inf", "-inf", "infinity", "-infinity"):
                raise ValueError(value)
            return Decimal128(number) if target == "decimal" else float(number)
    elif is_number(value):
        number = _plain(value)
    else:
        raise TypeError(value)
    if target == "decimal":
        return Decimal128(decimal.Decimal(format(number, ".15g")) if isinstance(number, float) else
                          decimal.Decimal(number))  # fmt: skip
    if target == "double":
        return float(number)
    if isinstance(number, (float, decimal.Decimal)):
        if not math.isfinite(number):
            raise ValueError(value)
        number = int(number)  # truncates toward zero, as MongoDB does
    limit = 2**31 if target == "int" else 2**63
    if not -limit <= number < limit:
        raise ValueError(value)
    return number


def _to_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, (ObjectId, Timestamp)):
        return naive_utc(as_date(value, "$toDate"))
    if is_number(value) and not isinstance(value, bool):
        return dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=int(_plain(value)))
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(value) from None
        return naive_utc(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    raise TypeError(value)


CONVERTERS = {
    "string": _to_string,
    "int": lambda v: _to_number(v, "int"),
    "long": lambda v: _to_number(v, "long"),
    "double": lambda v: _to_number(v, "double"),
    "decimal": lambda v: _to_number(v, "decimal"),
    "bool": lambda v: v if isinstance(v, bool) else (bool(_plain(v)) if is_number(v) else True),
    "date": _to_date,
    "objectId": lambda v: v if isinstance(v, ObjectId) else ObjectId(v),
}
_SHORTHANDS = {"$toString": "string", "$toInt": "int", "$toLong": "long", "$toDouble": "double",
               "$toDecimal": "decimal", "$toBool": "bool", "$toDate": "date", "$toObjectId": "objectId"}  # fmt: skip
_TYPE_NUMBERS = {1: "double", 2: "string", 7: "objectId", 8: "bool", 9: "date", 16: "int", 18: "long", 19: "decimal"}


def convert(ev: Expr, value: Any, target: Any, on_error: Any = MISSING, on_null: Any = MISSING) -> Any:
    """$convert (and its $toX shorthands): null or missing input gives onNull or null."""
    if nullish(value):
        return None if on_null is MISSING else on_null
    name = _TYPE_NUMBERS.get(target, target) if not isinstance(target, bool) else target
    if name not in CONVERTERS:
        raise OperationFailure(f"$convert: unsupported conversion target {target!r}")
    try:
        return CONVERTERS[name](value)
    except (TypeError, ValueError, decimal.InvalidOperation, OverflowError, bson_errors.InvalidId):
        if on_error is not MISSING:
            return on_error
        raise OperationFailure(
            f"Failed to convert {bson_type(value)} {str(value)[:40]!r} to {name} in $convert with no onError value"
        ) from None


def convert_operator(operator: str, ev: Expr, args: Any) -> Any:
    if operator != "$convert":
        (value,) = ev.args(args, operator, 1, 1)
        return convert(ev, value, _SHORTHANDS[operator])
    f = _fields(ev, args, "$convert", {"input", "to"}, {"onError", "onNull"})
    return convert(ev, f["input"], f["to"], f.get("onError", MISSING), f.get("onNull", MISSING))


# --------------------------------------------------------------------------- objects and strings


def merge_objects(ev: Expr, args: Any) -> Any:
    merged: dict[str, Any] = {}
    for value in args if isinstance(args, list) else [args]:
        item = ev(value)
        if nullish(item):
            continue
        if not isinstance(item, dict):
            raise OperationFailure(f"$mergeObjects requires object inputs, but input {item!r} is of type "
                                   f"{bson_type(item)}")  # fmt: skip
        merged.update(item)
    return merged


def replace_string(operator: str, ev: Expr, args: Any) -> Any:
    f = _fields(ev, args, operator, {"input", "find", "replacement"}, set())
    if any(nullish(f[k]) for k in ("input", "find", "replacement")):
        return None
    for key in ("input", "find", "replacement"):
        if not isinstance(f[key], str):
            raise OperationFailure(f"{operator} requires that '{key}' be a string, found: {bson_type(f[key])}")
    return f["input"].replace(f["find"], f["replacement"], -1 if operator == "$replaceAll" else 1)


def type_of(ev: Expr, args: Any) -> str:
    (value,) = ev.args(args, "$type", 1, 1)
    return bson_type(value)


EXPRESSIONS: dict[str, Any] = {
    "$round": lambda ev, a: round_or_trunc("$round", ev, a),
    "$trunc": lambda ev, a: round_or_trunc("$trunc", ev, a),
    "$type": type_of,
    "$dateToString": date_to_string,
    "$dateTrunc": date_trunc,
    "$dateAdd": lambda ev, a: date_add("$dateAdd", ev, a),
    "$dateSubtract": lambda ev, a: date_add("$dateSubtract", ev, a),
    "$dateDiff": date_diff,
    "$convert": lambda ev, a: convert_operator("$convert", ev, a),
    "$mergeObjects": merge_objects,
    "$replaceOne": lambda ev, a: replace_string("$replaceOne", ev, a),
    "$replaceAll": lambda ev, a: replace_string("$replaceAll", ev, a),
}
EXPRESSIONS.update({name: (lambda op: lambda ev, a: date_part(op, ev, a))(name) for name in DATE_PARTS})
EXPRESSIONS.update({name: (lambda op: lambda ev, a: convert_operator(op, ev, a))(name) for name in _SHORTHANDS})

_original_parse = aggregate._Parser.parse


def _parse(self: Any, expression: Any) -> Any:
    if isinstance(expression, dict) and len(expression) == 1:
        name = next(iter(expression))
        handler = EXPRESSIONS.get(name)
        if handler is not None:
            result = handler(Expr(self), expression[name])
            if result is MISSING:
                raise KeyError(name)  # mongomock's way of saying "no value": the field is left out
            return result
    return _original_parse(self, expression)


def install_expressions() -> None:
    """Route the operators above to this module (idempotent)."""
    aggregate._Parser.parse = _parse
