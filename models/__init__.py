"""Data shapes: SQLModel tables and the pydantic payloads that cross the workflow boundary.

Workflow code imports only the payload modules (`journey`, `playbook`, `health`), never a table.
"""
