"""Agency identifiers in both layouts, and the XroadVnpt HMAC headers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from werkzeug.datastructures import Headers

from connectors.axis import AgencyId, AxisAuthError, AxisError, is_valid_agency_id, routing_key
from connectors.axis.auth import (
    HASH_HEADER,
    SIGN_HEADER,
    VIETNAM,
    hmac_hex,
    parse_sdk_timestamp,
    sdk_timestamp,
    sign_request,
    verify_request,
)


def test_full_and_short_layouts_name_the_same_agency():
    moet_short, moet_full = AgencyId.parse("G03"), AgencyId.parse("000.00.00.G03")
    assert moet_short == moet_full
    assert moet_short.canonical == "000.00.00.G03" and moet_full.short == "G03"
    office = AgencyId.parse("000.00.00.G22")
    assert office.level1 == "G22" and office.is_level1
    unit = AgencyId.parse("001.00.10.H47")
    assert (unit.level4, unit.level3, unit.level2, unit.level1) == ("001", "00", "10", "H47")
    assert unit.short == "001.00.10.H47" and not unit.is_level1


@pytest.mark.parametrize("bad", ["", "G3", "000.00.G22", "000.00.00.22G", "GG03", "000.00.00.G22x"])
def test_invalid_identifiers_are_refused_with_reason(bad):
    assert not is_valid_agency_id(bad)
    with pytest.raises(AxisError) as caught:
        AgencyId.parse(bad)
    assert caught.value.code == "agency_id_invalid"


def test_routing_key_tolerates_legacy_codes_from_real_packages():
    assert routing_key("g03") == routing_key("000.00.00.G03")
    assert routing_key("28.22.H17") == "28.22.H17"


SECRETS = {"ctu-qlvb": "s3cret-ctu"}


def _signed(params: dict[str, str], secret: str = "s3cret-ctu") -> Headers:
    return Headers(sign_request(params, secret))


def _params(**extra: str) -> dict[str, str]:
    return {"systemid": "ctu-qlvb", "timestamp": sdk_timestamp(), "from": "000.21.36.H13", **extra}


def test_signed_headers_verify_and_return_the_parameters():
    headers = _signed(_params(docId="abc"))
    signed = json.loads(headers[SIGN_HEADER])
    assert list(signed) == sorted(signed), "canonical JSON: sorted keys"
    assert " " not in headers[SIGN_HEADER]
    params = verify_request(headers, SECRETS.get)
    assert params["docId"] == "abc" and params["systemid"] == "ctu-qlvb"


def test_sdk_style_unsorted_json_also_verifies():
    values = {"XroadVnpt-timestamp": sdk_timestamp(), "XroadVnpt-systemid": "ctu-qlvb"}
    text = json.dumps(values, separators=(",", ":"))
    headers = Headers({**values, SIGN_HEADER: text, HASH_HEADER: hmac_hex("s3cret-ctu", text)})
    assert verify_request(headers, SECRETS.get)["systemid"] == "ctu-qlvb"


def test_forged_hmac_is_refused():
    headers = _signed(_params(), secret="guessed")
    with pytest.raises(AxisAuthError) as caught:
        verify_request(headers, SECRETS.get)
    assert caught.value.code == "auth_bad_signature" and caught.value.http_status == 401


def test_changing_a_signed_header_is_refused():
    headers = _signed(_params(docId="mine"))
    headers["XroadVnpt-docId"] = "someone-elses"
    with pytest.raises(AxisAuthError) as caught:
        verify_request(headers, SECRETS.get)
    assert caught.value.code == "auth_header_mismatch"


def test_an_unsigned_parameter_is_refused():
    headers = _signed(_params())
    headers["XroadVnpt-docId"] = "smuggled"
    with pytest.raises(AxisAuthError) as caught:
        verify_request(headers, SECRETS.get)
    assert caught.value.code == "auth_unsigned_header"


def test_unknown_system_is_refused():
    headers = _signed({**_params(), "systemid": "intruder"})
    with pytest.raises(AxisAuthError) as caught:
        verify_request(headers, SECRETS.get)
    assert caught.value.code == "unknown_system"


def test_stale_timestamp_is_refused_and_the_sdk_format_round_trips():
    moment = datetime(2025, 3, 14, 9, 30, 5, 123000, tzinfo=VIETNAM)
    assert sdk_timestamp(moment) == "14032025T093005+0123"
    assert parse_sdk_timestamp("14032025T093005+0123") == moment
    headers = _signed(_params(timestamp=sdk_timestamp(datetime.now(VIETNAM) - timedelta(hours=1))))
    with pytest.raises(AxisAuthError) as caught:
        verify_request(headers, SECRETS.get)
    assert caught.value.code == "auth_timestamp"
    assert verify_request(headers, SECRETS.get, max_skew=None)["systemid"] == "ctu-qlvb"
