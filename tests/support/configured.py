"""A server with several projects, keys and Origins from an ``eventlayer.toml``, for guard tests.

Tests in one module share it (module-scoped fixtures), because starting a server with chDB takes seconds.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.server_process import ServerProcess

DEFAULT_WRITE = "wk_default_public"
DEFAULT_READ = "rk_default_secret"
SHOP_WRITE = "wk_shop_public"
SHOP_READ = "rk_shop_secret"
SHOP_ORIGIN = "https://shop.example.com"
BLOG_WRITE = "wk_blog_public"
BLOG_READ = "rk_blog_secret"
BLOG_ORIGIN = "https://blog.example.org"
FOREIGN_ORIGIN = "https://attacker.example.net"

# "default" accepts any Origin unless ``default_origins`` is given; "shop" and "blog" each accept their own.
PROJECTS_TOML = f"""
[[projects]]
name = "shop"
write_key = "{SHOP_WRITE}"
read_key = "{SHOP_READ}"
origins = ["{SHOP_ORIGIN}"]

[[projects]]
name = "blog"
write_key = "{BLOG_WRITE}"
read_key = "{BLOG_READ}"
origins = ["{BLOG_ORIGIN}"]
"""


def start_configured(data_dir: Path, default_origins: list[str] | None = None, faulty: bool = False, **env) -> ServerProcess:
    """Start a server whose default project has the keys above and, when given, ``default_origins``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    head = ""
    if default_origins is not None:
        head = "origins = [" + ", ".join(f'"{origin}"' for origin in default_origins) + "]\n"
    (data_dir / "eventlayer.toml").write_text(head + PROJECTS_TOML)
    env = {"EVENTLAYER_WRITE_KEY": DEFAULT_WRITE, "EVENTLAYER_READ_KEY": DEFAULT_READ, **env}
    process = ServerProcess(data_dir, env=env, faulty=faulty)
    process.start()
    return process
