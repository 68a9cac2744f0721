"""The rules a verdict can rest on, named so that every report says which one decided (vi, en)."""

from __future__ import annotations

RULES: dict[str, tuple[str, str]] = {
    "FORMAT": ("Chữ ký phải có cấu trúc PDF/CMS hợp lệ (ByteRange, Contents, chứng thư người ký).",
               "The signature must have a valid PDF/CMS structure (ByteRange, Contents, signer certificate)."),
    "INTEGRITY": ("Giá trị băm của phần đã ký phải khớp và chữ ký mật mã phải đúng.",
                  "The digest of the signed bytes must match and the cryptographic signature must verify."),
    "MODIFICATIONS": ("Sau khi ký chỉ được: ký thêm, điền biểu mẫu, bổ sung dữ liệu kiểm tra dài hạn (DSS) "
                      "và dấu thời gian tài liệu (theo chính sách).",
                      "After signing only later signatures, form filling, DSS updates and document "
                      "timestamps are allowed (per the policy)."),
    "LIMITS": ("Chữ ký nhúng quá nhiều chứng thư; từ chối xây chuỗi để tránh tấn công từ chối dịch vụ.",
               "The signature embeds too many certificates; chain building refused to avoid denial of service."),
    "CHAIN_TO_ANCHOR": ("Chuỗi chứng thư phải dẫn tới một chứng thư gốc trong kho tin cậy, so khớp theo khóa, "
                        "không theo tên.",
                        "The chain must lead to an anchor of the trust store, matched by key, never by name."),
    "VALID_AT_VALIDATION_TIME": ("Chứng thư người ký và chuỗi của nó còn hiệu lực, chưa bị thu hồi tại thời "
                                 "điểm kiểm tra.",
                                 "The signer's certificate and chain are valid and not revoked at the "
                                 "validation time."),
    "PAST_VALIDATION_POE": ("Chứng thư hiện không còn hiệu lực, nhưng dấu thời gian tin cậy chứng minh chữ ký "
                            "đã tồn tại khi chứng thư còn hiệu lực.",
                            "The certificate is no longer valid, but a trusted timestamp proves the signature "
                            "existed while it was."),
    "PAST_REVOCATION_REQUIRED": ("Chính sách nghiêm ngặt: kiểm tra tại thời điểm trong quá khứ cần dữ liệu thu "
                                 "hồi của thời điểm đó (nhúng trong tài liệu, PAdES B-LT).",
                                 "Strict policy: validating at a past time needs revocation data from then "
                                 "(embedded in the document, PAdES B-LT)."),
    "REVOCATION_DECLARED_CHECKED": ("Chứng thư có khai báo nguồn thu hồi (CRL/OCSP) thì phải kiểm tra được; "
                                    "không truy cập được thì chưa thể kết luận.",
                                    "A certificate naming a CRL/OCSP source must be checked against it; if the "
                                    "source is unreachable no conclusion is possible."),
    "REVOKED": ("Chứng thư bị thu hồi trước thời điểm ký đã được chứng minh: chữ ký không hợp lệ.",
                "The certificate was revoked before the proven signing time: the signature is invalid."),
    "REVOKED_NO_POE": ("Chứng thư đã bị thu hồi và không có dấu thời gian chứng minh chữ ký có trước đó.",
                       "The certificate was revoked and nothing proves the signature existed before that."),
    "OUT_OF_BOUNDS_NO_POE": ("Chứng thư đã hết hạn (hoặc chưa có hiệu lực) tại thời điểm kiểm tra và không có "
                             "bằng chứng tồn tại (dấu thời gian tin cậy) trong thời hạn của nó.",
                             "The certificate is expired (or not yet valid) at the validation time and there is "
                             "no proof of existence (trusted timestamp) within its validity."),
    "ALGORITHM_CUTOFF": ("Thuật toán chỉ được chấp nhận cho chữ ký được chứng minh tồn tại trước ngày ngừng "
                         "sử dụng thuật toán đó (theo chính sách).",
                         "An algorithm is accepted only for signatures proven to exist before its cut-off "
                         "date (per the policy)."),
}

SUB_INDICATIONS: dict[str, tuple[str, str]] = {
    "FORMAT_FAILURE": ("cấu trúc chữ ký không hợp lệ", "invalid signature structure"),
    "HASH_FAILURE": ("nội dung đã bị thay đổi sau khi ký (băm không khớp)", "content changed (digest mismatch)"),
    "SIG_CRYPTO_FAILURE": ("chữ ký mật mã không đúng", "cryptographic signature does not verify"),
    "MODIFIED_AFTER_SIGNING": ("tài liệu bị sửa đổi không được phép sau khi ký",
                               "document modified after signing in a way that is not allowed"),
    "REVOKED": ("chứng thư đã bị thu hồi", "certificate revoked"),
    "REVOKED_NO_POE": ("chứng thư đã bị thu hồi, không có bằng chứng thời điểm ký",
                       "certificate revoked, no proof of signing time"),
    "NO_CERTIFICATE_CHAIN_FOUND": ("không xây được chuỗi tới chứng thư gốc tin cậy",
                                   "no chain to a trusted anchor"),
    "OUT_OF_BOUNDS_NO_POE": ("chứng thư hết hạn, không có bằng chứng tồn tại khi còn hạn",
                             "certificate expired, no proof of existence while valid"),
    "NOT_YET_VALID": ("chứng thư chưa có hiệu lực", "certificate not yet valid"),
    "NO_REVOCATION_DATA": ("không có dữ liệu thu hồi (CRL/OCSP)", "no revocation data (CRL/OCSP)"),
    "CRYPTO_CONSTRAINTS_FAILURE": ("thuật toán không còn được chấp nhận tại thời điểm đã chứng minh",
                                   "algorithm no longer acceptable at the proven time"),
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": ("thuật toán đã hết hạn sử dụng, không có bằng chứng tồn tại trước đó",
                                          "algorithm past its cut-off, no proof of existence before it"),
    "CHAIN_CONSTRAINTS_FAILURE": ("chuỗi chứng thư vi phạm ràng buộc", "certificate chain violates constraints"),
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": ("lỗi chuỗi chứng thư", "certificate chain failure"),
}


def rule_text(rule: str) -> tuple[str, str]:
    return RULES.get(rule, (rule, rule))
