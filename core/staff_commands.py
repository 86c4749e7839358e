"""`onboard staff create|list|disable`: dashboard accounts from the command line.

The password comes from ONBOARD_STAFF_PASSWORD or a prompt, never from the command line (where
it would sit in the shell history and the process list).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlmodel import col, select

from core.config import Settings
from core.db import ensure_tenant, get_engine, migrate, session_scope
from core.staff import StaffError, create_account
from models.staff import Role, StaffAccount
from models.timeutil import utc_now


def run_staff(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings)
    with session_scope(get_engine(settings)) as session:
        if args.staff_command == "create":
            tenant = args.tenant or settings.default_tenant
            password = os.environ.get("ONBOARD_STAFF_PASSWORD") or getpass.getpass("Password: ")
            ensure_tenant(session, tenant)
            try:
                account = create_account(
                    session, tenant, args.email, args.name, Role(args.role), password
                )
            except StaffError as err:
                print(f"onboard staff: {err}", file=sys.stderr)
                return 1
            print(f"staff account {account.id}: {account.email} ({account.role}) in {tenant!r}")
            return 0
        if args.staff_command == "list":
            print("id\ttenant\temail\tname\trole\tdisabled")
            for row in session.exec(select(StaffAccount).order_by(col(StaffAccount.id))):
                disabled = row.disabled_at.isoformat() if row.disabled_at else "-"
                print(f"{row.id}\t{row.tenant_id}\t{row.email}\t{row.name}\t{row.role}\t{disabled}")
            return 0
        found = session.get(StaffAccount, args.staff_id)
        if found is None:
            print(f"onboard staff: no account {args.staff_id}", file=sys.stderr)
            return 1
        found.disabled_at = found.disabled_at or utc_now()
        session.add(found)
        print(f"staff account {found.id} ({found.email}) disabled")
        return 0
