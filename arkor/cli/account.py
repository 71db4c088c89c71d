"""``arkor login``, ``logout`` and ``whoami``: credentials per protocol §2."""

from __future__ import annotations

from typing import Annotated

import typer

from arkor.cli.output import console, err_console, fail, is_interactive


def login(
    anonymous: Annotated[
        bool, typer.Option("--anonymous", help="Mint an anonymous identity (no account).")
    ] = False,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the sign-in URL instead of opening it.")
    ] = False,
) -> None:
    """Sign in: with an account through the browser, or anonymously."""
    from arkor.credentials import backend_url_for_login, credentials_path, login_anonymous

    if anonymous:
        credentials = login_anonymous()
        console().print(
            f"logged in anonymously at {credentials.arkor_cloud_api_url} "
            f"(org {credentials.org_slug}); credentials in {credentials_path()}",
            highlight=False,
        )
        return
    from arkor.oauth import login_with_browser

    base_url = backend_url_for_login()

    def show(url: str) -> None:
        err_console().print(f"Open this URL to sign in:\n{url}", highlight=False, soft_wrap=True)
        if not no_browser and is_interactive():
            import webbrowser

            webbrowser.open(url)

    login_with_browser(base_url, show)
    console().print(f"logged in at {base_url}; credentials in {credentials_path()}")


def logout(
    force: Annotated[
        bool, typer.Option("--force", help="Do not ask, even for an anonymous identity.")
    ] = False,
) -> None:
    """Forget the stored credentials."""
    from arkor.credentials import AnonCredentials, delete_credentials, read_credentials

    try:
        credentials = read_credentials()
    except Exception:
        credentials = None
    if isinstance(credentials, AnonCredentials) and not force:
        warning = (
            "this anonymous identity cannot be recovered: its jobs will no longer be reachable"
        )
        if not is_interactive():
            fail(f"{warning}; pass --force to log out anyway", 2)
        if not typer.confirm(f"{warning}. Log out?", default=False):
            raise typer.Exit(1)
    if delete_credentials():
        console().print("logged out")
    else:
        console().print("not logged in; nothing to do")


def whoami() -> None:
    """Who you are on which backend."""
    from arkor.credentials import connect

    connection = connect(bootstrap=False)
    credentials = connection.credentials
    me = connection.client.me()
    orgs = ", ".join(o.get("slug", "?") for o in me.get("orgs", [])) or "-"
    user = me.get("user") or {}
    out = console()
    out.print(f"backend  {connection.base_url}", highlight=False)
    out.print(f"mode     {credentials.mode}", highlight=False)
    identity = user.get("email") or user.get("anonymousId") or user.get("id") or "-"
    out.print(f"user     {identity}", highlight=False)
    out.print(f"orgs     {orgs}", highlight=False)
