"""The gateway's stable error codes (共享交换网关错误代码).

Every refusal of `gateway.call` (and of the HTTP API over it) carries one of these codes, an HTTP
status and a message for people; a refusal about one part of the query names that part in
`field` ("purpose", "fields", "subject", "params.name"). The codes never change meaning: callers
branch on them. The HTTP body of a refusal is

    {"error": {"code": "GRANT_SUSPENDED", "message": "...", "field": "..."}, "call_id": 123}

(`call_id`: the call-log row that recorded the refusal, when one was written).
"""

from __future__ import annotations

from dataclasses import dataclass

from tongban.core.errors import DomainError


@dataclass(frozen=True)
class Code:
    code: str
    status: int
    message: str


_CODES = [
    # The caller.
    Code("TOKEN_INVALID", 401, "访问令牌无效、已过期或缺失"),
    Code(
        "TOKEN_FOREIGN",
        403,
        "访问令牌不属于部门业务系统（需要部门系统以 client_credentials 获取、含 api 范围的令牌）",
    ),
    # The service.
    Code("SERVICE_UNKNOWN", 404, "没有这个数据服务（资源代码不存在、未发布或不是数据服务）"),
    Code("SERVICE_UNAVAILABLE", 503, "数据服务暂不可用（未挂接、已暂停或提供方故障）"),
    # The grant, in the order the gateway checks them: grant → fields → purpose → rate → expiry.
    Code("GRANT_MISSING", 403, "调用系统没有该数据服务的共享授权"),
    Code("GRANT_SUSPENDED", 403, "共享授权已暂停"),
    Code("GRANT_REVOKED", 403, "共享授权已撤销"),
    Code("FIELD_UNKNOWN", 400, "请求的信息项不属于该信息资源"),
    Code("FIELD_NOT_GRANTED", 403, "请求的信息项不在共享授权范围内"),
    Code("PURPOSE_NOT_GRANTED", 403, "用途不在共享授权范围内"),
    Code("RATE_EXCEEDED", 429, "调用频率超过共享授权的上限"),
    Code("GRANT_EXPIRED", 403, "共享授权已到期"),
    # The query.
    Code("QUERY_MALFORMED", 400, "查询请求格式有误"),
    Code("SUBJECT_INVALID", 400, "数据主体标识无效（公民身份号码或统一社会信用代码校验不通过）"),
    Code("SUBJECT_NOT_FOUND", 404, "基础库中没有该数据主体"),
    # The provider.
    Code("PROVIDER_TIMEOUT", 504, "数据提供方未在时限内答复"),
    Code("PROVIDER_FAILED", 502, "数据提供方答复出错"),
    Code("CIRCUIT_OPEN", 503, "数据服务连续出错，已暂时熔断，请稍后再试"),
]
CODES: dict[str, Code] = {c.code: c for c in _CODES}


class GatewayRefusal(DomainError):
    """A call the gateway refused (or could not complete), with its stable `code`. Raised by
    `gateway.call` after the refusal was written to the call log (`call_id`)."""

    def __init__(self, code: str, message: str = "", *, field: str = "", retry_after: int = 0):
        known = CODES[code]
        self.code = code
        self.status = known.status
        self.field = field
        self.retry_after = retry_after
        self.call_id: int | None = None
        super().__init__(message or known.message)

    def as_dict(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        body: dict = {"error": error}
        if self.call_id is not None:
            body["call_id"] = self.call_id
        return body

    def __repr__(self) -> str:
        return f"GatewayRefusal({self.code!r}, field={self.field!r})"
