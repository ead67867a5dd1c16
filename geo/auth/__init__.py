"""Who may do what: roles and the write check (`roles`), passwords (`passwords`), users and sign-in (`users`).

Authorisation lives here, not in the pages: every function in geo/ that writes is declared with
`@writes(action, *roles)` and refuses an actor without one of those roles before it opens the store.
May import geo's leaf modules and geo.store; never geo.io, geo.maps, `layers` or streamlit.
"""

from geo.auth.users import (
    LoginRefused,
    User,
    add_user,
    authenticate,
    get_user,
    list_users,
    set_disabled,
    set_password,
    set_roles,
    user_for_identity,
)
from geo.permissions import (
    ROLES,
    SYSTEM,
    WRITERS,
    Actor,
    PermissionDenied,
    cli_actor,
    require,
    role_title,
    writes,
)

__all__ = [
    "ROLES",
    "SYSTEM",
    "WRITERS",
    "Actor",
    "LoginRefused",
    "PermissionDenied",
    "User",
    "add_user",
    "authenticate",
    "cli_actor",
    "get_user",
    "list_users",
    "require",
    "role_title",
    "set_disabled",
    "set_password",
    "set_roles",
    "user_for_identity",
    "writes",
]
