"""The README stays a front door and the manual stays navigable (issue 23, section 2).

A newcomer reads the README in five minutes and follows its links into docs/; a link that leads nowhere, a
placeholder URL or a README that grows back into a manual are what these tests stop. Anchors are checked
against the headings as GitHub renders them (lower case, punctuation dropped, spaces as hyphens, a repeated
heading numbered -1, -2, ...).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_MAX_LINES = 250
# The pages issue 23 asks the README to send readers to, by what they cover.
ISSUE_PAGES = {
    "configuration reference": "docs/configuration.md",
    "operations": "docs/operations.md",
    "migrate": "docs/migrate.md",
    "Gateway API": "docs/gateway-api.md",
    "package": "docs/package.md",
    "architecture": "docs/architecture.md",
    "testing and benchmarks": "docs/testing.md",
}

TEXT_SUFFIXES = {".md", ".yaml", ".txt", ".ts", ".py", ".json"}
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks: a link or heading inside a fence is example text, not markup."""
    lines: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker == fence:
                fence = None
            continue
        if fence is None:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup and punctuation dropped, lower case, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps only its text
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found: set[str] = set()
    for line in _prose_lines(path.read_text(encoding="utf-8")):
        match = _HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    """Every link target in the prose that is not a URL or a mail address (code spans are not links)."""
    targets: list[str] = []
    for line in _prose_lines(path.read_text(encoding="utf-8")):
        for target in _LINK.findall(_CODE_SPAN.sub("code", line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
                continue
            targets.append(target)
    return targets


def broken_links(path: Path) -> list[str]:
    """Each relative link of a page whose file is missing, or whose #anchor names no heading of that file."""
    broken: list[str] = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.exists():
            broken.append(f"{target}: no file {resolved}")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading #{anchor} in {resolved.name}")
    return broken


def _pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def test_readme_is_a_front_door() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"


@pytest.mark.parametrize("page", _pages(), ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_readme_names_every_page_the_issue_lists() -> None:
    linked = {target.partition("#")[0] for target in relative_links(README)}
    missing = {what: page for what, page in ISSUE_PAGES.items() if page not in linked}
    assert not missing, f"README.md does not link {missing}"
    for page in ISSUE_PAGES.values():
        assert (ROOT / page).is_file(), page


def test_the_docs_index_lists_every_page() -> None:
    index = {target.partition("#")[0] for target in relative_links(DOCS / "README.md")}
    unlisted = [page.name for page in sorted(DOCS.glob("*.md")) if page.name != "README.md" and page.name not in index]
    assert unlisted == [], f"docs/README.md does not list {unlisted}"


def test_no_placeholder_or_invented_project_url() -> None:
    """Until the owner gives the project a home, it is installed from a checkout (`pip install ./`,
    `pulumi package add ./provider`): no `<owner>/<repo>` and no install from a guessed repository URL."""
    files = [*_pages(), *sorted((ROOT / "examples").rglob("*")), *sorted((ROOT / "provider").glob("*.yaml"))]
    found: list[str] = []
    for path in files:
        if not path.is_file() or "node_modules" in path.parts or path.suffix not in TEXT_SUFFIXES:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if re.search(r"<owner>|<repo>|git\+https?://|pulumi package add https?://", line, re.IGNORECASE):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_the_checker_finds_what_it_is_for(tmp_path: Path) -> None:
    """The link checker itself, on hand-written pages: a missing file, a missing anchor, and what is not a link."""
    (tmp_path / "other.md").write_text("# Other page\n\n## `probe`: measure, don't guess\n\n## Twice\n\n## Twice\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md) [ok](other.md#probe-measure-dont-guess) [ok](other.md#twice-1) [ok](#here)\n"
        "[gone](missing.md) [no anchor](other.md#nowhere) [web](https://example.org/x.md)\n"
        "`[in code](missing-too.md)`\n"
        "```\n[fenced](missing-three.md)\n# not a heading\n```\n"
        "## Here\n"
    )
    assert slug("CI/CD (`.github/workflows/`)") == "cicd-githubworkflows"
    assert broken_links(page) == [
        f"missing.md: no file {tmp_path / 'missing.md'}",
        "other.md#nowhere: no heading #nowhere in other.md",
    ]
    assert "not-a-heading" not in anchors(page)
