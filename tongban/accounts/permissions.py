"""Filled in by the identity capability (issue: 统一身份认证)."""
