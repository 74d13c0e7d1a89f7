"""Domain errors: a stable code, an HTTP status and a message for people.

Services raise these; one middleware (HTML) and one ninja handler (API) render them, so a
view never builds an error response by hand. Field errors name the field (and the row and
column for spreadsheet imports) so the person can fix exactly that.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str
    row: int | None = None
    column: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def __str__(self) -> str:
        where = ""
        if self.row is not None:
            where = f"第{self.row}行" + (f" {self.column}列" if self.column else "") + "："
        return f"{where}{self.field}：{self.message}"


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = "请求无法完成"

    def __init__(self, message: str | None = None, *, problems: list[FieldProblem] | None = None):
        self.message = message or self.default_message
        self.problems = list(problems or [])
        super().__init__(self.message)

    def as_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.problems:
            body["errors"] = [p.as_dict() for p in self.problems]
        return body


class InvalidInput(DomainError):
    code = "invalid"
    status = 400
    default_message = "提交的内容有误，请按提示修改"

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}：{message}", problems=[FieldProblem(field, message)])


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "没有找到要访问的内容"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = "您没有权限进行此操作"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = "当前状态不允许此操作"


class TooLarge(DomainError):
    code = "too_large"
    status = 413
    default_message = "上传的文件过大"


class CalendarNotCovered(DomainError):
    """A deadline would fall in a year the working-day calendar has no data for."""

    code = "calendar_not_covered"
    status = 409
    default_message = "工作日历缺少该年度数据，请管理员导入后再计算"
