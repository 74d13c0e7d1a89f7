from ninja import Schema


class RegionOut(Schema):
    code: str
    statistical_code: str
    name: str
    level: int
    level_name: str
    parent: str | None
    has_children: bool


class DepartmentOut(Schema):
    id: int
    name: str
    credit_code: str
    region: str
    region_name: str
    kind: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[dict] | None = None
