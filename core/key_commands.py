"""`onboard keys create|list|revoke`: API keys from the command line (secrets shown once)."""

from __future__ import annotations

import argparse
import sys

from core.api_keys import create_key, list_keys, revoke_key
from core.config import Settings
from core.db import get_engine, migrate, session_scope
from models.api_key import Scope


def run_keys(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings)
    with session_scope(get_engine(settings)) as session:
        if args.key_command == "create":
            tenant = args.tenant or settings.default_tenant
            try:
                key, token = create_key(session, tenant, args.name, [Scope(s) for s in args.scope])
            except ValueError as err:
                print(f"onboard keys: {err}", file=sys.stderr)
                return 1
            print(f"key {key.id} for tenant {tenant!r} ({', '.join(key.scopes)}):")
            print(token)
            print("Store it now: it is not shown again.", file=sys.stderr)
            return 0
        if args.key_command == "list":
            print("id\ttenant\tname\tprefix\tscopes\tcreated\trevoked")
            for key in list_keys(session, args.tenant):
                revoked = key.revoked_at.isoformat() if key.revoked_at else "-"
                print(
                    f"{key.id}\t{key.tenant_id}\t{key.name}\t{key.prefix}…\t"
                    f"{','.join(key.scopes)}\t{key.created_at.isoformat()}\t{revoked}"
                )
            return 0
        revoked_key = revoke_key(session, args.key_id)
        if revoked_key is None:
            print(f"onboard keys: no key {args.key_id}", file=sys.stderr)
            return 1
        print(f"key {revoked_key.id} ({revoked_key.prefix}…) revoked")
        return 0
