"""Every validation rule of notices and outpost.yaml, each with its exact message."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.app import schema
from generator.core.errors import ProblemsFound
from generator.notices.edit import clean_message
from generator.notices.loader import NoticeInvalid, parse_bytes, parse_notice
from tests.conftest import MINIMAL_CONFIG, Run

CONFIG = schema().parse(MINIMAL_CONFIG)
INCIDENT = "---\ntitle: T\ntype: incident\n---\n"
MAINTENANCE = ("---\ntitle: M\ntype: maintenance\nstart: 2026-01-10 22:00\n"
               "end: 2026-01-11 02:00\n---\n")
UPDATE = "## Investigating - 2026-01-01 10:00\nx\n"
SECOND_FRONT_MATTER = (
    "front matter inside the updates, as a merge that kept both sides of a notice leaves "
    "once git's markers are removed: keep one front matter, at the top of the file, and "
    "remove these key lines and the '---' next to them; lines meant to be shown, such as a "
    "YAML file's, go in a code fence (```)")
HEADING_RULE = "update heading must read '## <Status> - YYYY-MM-DD HH:MM', got "
TIME_HINT = "expected 'YYYY-MM-DD HH:MM', optionally followed by an offset such as '-05:00' or 'Z'"
INCIDENT_WORDS = "Investigating, Identified, Monitoring, Update, Resolved"
CONFLICT = ("merge conflict marker: resolve the conflict and remove the '<<<<<<<', '=======' "
            "and '>>>>>>>' lines")
KNOWN_KEYS = "known keys: components, end, impact, start, title, type"


def problems(text: str) -> list[str]:
    try:
        parse_notice(text, "notices/x.md", "x", CONFIG)
    except NoticeInvalid as exc:
        return [f"{line}: {message}" for line, message in exc.problems]
    return []


NOTICE_CASES = {
    "duplicate key": (
        "---\ntitle: A\ntitle: B\ntype: incident\n---\n" + UPDATE,
        ["3: duplicate key 'title' (first set at line 2)"]),
    "unknown key": (
        "---\ntitle: A\ntype: incident\nseverity: high\n---\n" + UPDATE,
        [f"4: unknown key 'severity' ({KNOWN_KEYS})"]),
    "unknown component": (
        "---\ntitle: A\ntype: incident\ncomponents: [web, mail]\n---\n" + UPDATE,
        ["4: unknown component 'mail' (outpost.yaml declares: web, api)"]),
    "mistyped component": (
        "---\ntitle: A\ntype: incident\ncomponents: [webb]\n---\n" + UPDATE,
        ["4: unknown component 'webb' (did you mean 'web'? outpost.yaml declares: web, "
         "api)"]),
    "component in other capitals": (
        "---\ntitle: A\ntype: incident\ncomponents: [API]\n---\n" + UPDATE,
        ["4: unknown component 'API' (did you mean 'api'? outpost.yaml declares: web, api)"]),
    "components without their brackets": (
        "---\ntitle: A\ntype: incident\ncomponents: web, api\n---\n" + UPDATE,
        ["4: unknown component 'web, api' (several components are written as a list: "
         "[web, api]; outpost.yaml declares: web, api)"]),
    "a component's status without its space": (
        "---\ntitle: A\ntype: incident\ncomponents:\n  - web:major_outage\n---\n" + UPDATE,
        ["5: unknown component 'web:major_outage' (a component's status is set in the "
         "mapping form, components: {web: major_outage}; outpost.yaml declares: web, api)"]),
    "a component's status written as a list item": (
        "---\ntitle: A\ntype: incident\ncomponents:\n  - api\n  - web: major_outage\n---\n"
        + UPDATE,
        ["6: 'components[1]': a component's status is set in the mapping form, "
         "components: {api: <status>, web: major_outage}"]),
    "a component's status left empty in a list": (
        "---\ntitle: A\ntype: incident\ncomponents:\n  - web:\n---\n" + UPDATE,
        ["5: 'components[0]': a component's status is set in the mapping form, "
         "components: {web: <status>}"]),
    "component listed twice": (
        "---\ntitle: A\ntype: incident\ncomponents:\n  - web\n  - web\n---\n" + UPDATE,
        ["6: component 'web' is listed twice"]),
    "missing title": (
        "---\ntype: incident\n---\n" + UPDATE,
        ["2: missing required key 'title'"]),
    "blank title": (
        "---\ntitle:\ntype: incident\n---\n" + UPDATE,
        ["2: required key 'title' is empty: give it a value"]),
    "title on two lines": (
        "---\ntitle: |\n  a\n  b\ntype: incident\n---\n" + UPDATE,
        ["2: title must be a single line"]),
    # Letters to Unicode, blanks to a reader: a blank heading, feed entry and subject.
    "title of a braille blank": (
        "---\ntitle: \"\\u2800\"\ntype: incident\n---\n" + UPDATE,
        ["2: title shows as nothing: it holds only characters that are not seen, such as the "
         "braille pattern blank (U+2800): write words"]),
    "title of combining marks alone": (
        "---\ntitle: \"\\u0301\\u0301\"\ntype: incident\n---\n" + UPDATE,
        ["2: title shows as nothing: it holds only characters that are not seen, such as the "
         "combining acute accent (U+0301): write words"]),
    "title is a list": (
        "---\ntitle: [a]\ntype: incident\n---\n" + UPDATE,
        ["2: 'title': expected text, received a list"]),
    "bad type": (
        "---\ntitle: A\ntype: outage\n---\n" + UPDATE,
        ["3: 'type': expected one of incident, maintenance, received 'outage'"]),
    "missing type": (
        "---\ntitle: A\n---\n" + UPDATE,
        ["2: missing required key 'type'"]),
    "bad impact (NO is not false)": (
        "---\ntitle: A\ntype: incident\nimpact: NO\n---\n" + UPDATE,
        ["4: 'impact': expected one of none, minor, major, critical, received 'NO': "
         "did you mean 'none'?"]),
    "a mistyped impact": (
        "---\ntitle: A\ntype: incident\nimpact: majr\n---\n" + UPDATE,
        ["4: 'impact': expected one of none, minor, major, critical, received 'majr': "
         "did you mean 'major'?"]),
    "a mistyped type": (
        "---\ntitle: A\ntype: incidnet\n---\n" + UPDATE,
        ["3: 'type': expected one of incident, maintenance, received 'incidnet': "
         "did you mean 'incident'?"]),
    "impact on maintenance": (
        "---\ntitle: M\ntype: maintenance\nimpact: major\nstart: 2026-01-10 22:00\n"
        "end: 2026-01-11 02:00\n---\n## Scheduled - 2026-01-01 10:00\nx\n",
        ["4: 'impact' applies to incidents only; remove it from this maintenance"]),
    "start and end on an incident": (
        "---\ntitle: A\ntype: incident\nstart: 2026-01-10 22:00\nend: 2026-01-11 02:00\n---\n"
        + UPDATE,
        ["4: 'start' applies to maintenance only; remove it or set 'type: maintenance'",
         "5: 'end' applies to maintenance only; remove it or set 'type: maintenance'"]),
    "maintenance without start and end": (
        "---\ntitle: M\ntype: maintenance\n---\n## Scheduled - 2026-01-01 10:00\nx\n",
        ["2: missing required key 'start' (maintenance needs a start and an end)",
         "2: missing required key 'end' (maintenance needs a start and an end)"]),
    "end before start": (
        "---\ntitle: M\ntype: maintenance\nstart: 2026-01-10 22:00\nend: 2026-01-10 21:00\n"
        "---\n## Scheduled - 2026-01-01 10:00\nx\n",
        ["5: end must be after start"]),
    # Later on the clock, earlier in fact: the offsets say which 01:xx each is, so the
    # message shows both ends as readers would see them.
    "end before start across the fall-back hour": (
        "---\ntitle: M\ntype: maintenance\nstart: 2026-11-01 01:10 -06:00\n"
        "end: 2026-11-01 01:50 -05:00\n---\n## Scheduled - 2026-10-01 10:00\nx\n",
        ["5: end must be after start (start Nov 1, 2026, 1:10 AM CST; end Nov 1, 2026, "
         "1:50 AM CDT)"]),
    "end equal to start": (
        "---\ntitle: M\ntype: maintenance\nstart: 2026-01-10 22:00\nend: 2026-01-10 22:00\n"
        "---\n## Scheduled - 2026-01-01 10:00\nx\n",
        ["5: end must be after start"]),
    "bad start time": (
        "---\ntitle: M\ntype: maintenance\nstart: tomorrow\nend: 2026-01-10 21:00\n---\n"
        "## Scheduled - 2026-01-01 10:00\nx\n",
        [f"4: 'start': bad time 'tomorrow': {TIME_HINT}"]),
    "bad status word": (
        INCIDENT + "## Fixed - 2026-01-01 10:00\nx\n",
        [f"5: unknown status 'Fixed' for incident (expected one of: {INCIDENT_WORDS})"]),
    "maintenance status on an incident": (
        INCIDENT + "## Scheduled - 2026-01-01 10:00\nx\n",
        [f"5: unknown status 'Scheduled' for incident (Scheduled is a maintenance status; "
         f"expected one of: {INCIDENT_WORDS})"]),
    "maintenance's final word on an incident": (
        INCIDENT + "## Completed - 2026-01-01 10:00\nx\n",
        [f"5: unknown status 'Completed' for incident (Completed is a maintenance status; "
         f"incidents use Resolved; expected one of: {INCIDENT_WORDS})"]),
    "incident status on a maintenance": (
        MAINTENANCE + "## Resolved - 2026-01-01 10:00\nx\n",
        ["7: unknown status 'Resolved' for maintenance (Resolved is an incident status; "
         "maintenances use Completed; expected one of: Scheduled, In progress, Verifying, "
         "Update, Completed)"]),
    "the API's spelling of a status": (
        MAINTENANCE + "## in_progress - 2026-01-01 10:00\nx\n",
        ["7: unknown status 'in_progress' for maintenance (write it 'In progress'; expected "
         "one of: Scheduled, In progress, Verifying, Update, Completed)"]),
    "impossible date": (
        INCIDENT + "## Investigating - 2026-13-01 10:00\nx\n",
        ["5: bad time '2026-13-01 10:00': month must be in 1..12"]),
    "impossible hour": (
        INCIDENT + "## Investigating - 2026-01-01 24:00\nx\n",
        ["5: bad time '2026-01-01 24:00': hour must be in 0..23"]),
    "12-hour clock": (
        INCIDENT + "## Investigating - 2026-01-01 2:25 PM\nx\n",
        ["5: bad time '2026-01-01 2:25 PM': use the 24-hour clock, e.g. '2026-01-01 14:25'"]),
    "12 AM": (
        INCIDENT + "## Investigating - 2026-01-01 12:05 am\nx\n",
        ["5: bad time '2026-01-01 12:05 am': use the 24-hour clock, e.g. '2026-01-01 00:05'"]),
    # Both clocks at once: AM/PM is not a zone, whatever the hour.
    "24-hour clock with PM": (
        INCIDENT + "## Investigating - 2026-01-01 14:25 PM\nx\n",
        ["5: bad time '2026-01-01 14:25 PM': the 24-hour clock takes no AM or PM: leave "
         "'PM' out"]),
    "hour 0 with AM": (
        INCIDENT + "## Investigating - 2026-01-01 00:05 AM\nx\n",
        ["5: bad time '2026-01-01 00:05 AM': the 24-hour clock takes no AM or PM: leave "
         "'AM' out"]),
    "bad offset": (
        INCIDENT + "## Investigating - 2026-01-01 10:00 +25:00\nx\n",
        ["5: bad offset '+25:00': offsets run from -12:00 to +14:00"]),
    "offset past +14:00": (
        INCIDENT + "## Investigating - 2026-01-01 10:00 +15:00\nx\n",
        ["5: bad offset '+15:00': offsets run from -12:00 to +14:00"]),
    "offset past -12:00": (
        INCIDENT + "## Investigating - 2026-01-01 10:00 -1230\nx\n",
        ["5: bad offset '-1230': offsets run from -12:00 to +14:00"]),
    "offset minutes": (
        INCIDENT + "## Investigating - 2026-01-01 10:00 +05:60\nx\n",
        ["5: bad offset '+05:60': minutes must be 00-59"]),
    "year out of range": (
        INCIDENT + "## Investigating - 0001-01-01 00:00 +05:00\nx\n",
        ["5: bad time '0001-01-01 00:00 +05:00': the year must be between 1900 and 2999"]),
    "missing time": (
        INCIDENT + "## Investigating\nx\n",
        [f"5: {HEADING_RULE}'## Investigating'"]),
    "zone abbreviation": (
        INCIDENT + "## Investigating - 2026-07-01 10:00 CDT\nx\n",
        ["5: bad time '2026-07-01 10:00 CDT': zone abbreviations such as 'CDT' are not "
         "accepted; leave it out to use America/Chicago, or write its offset: "
         "'2026-07-01 10:00 -05:00'"]),
    # The offset an example gave ('-05:00') put a time written in CST an hour off: the
    # one the abbreviation stands for in the site zone is named.
    "zone abbreviation out of season": (
        INCIDENT + "## Investigating - 2026-11-30 10:30 CDT\nx\n",
        ["5: bad time '2026-11-30 10:30 CDT': zone abbreviations such as 'CDT' are not "
         "accepted; write its offset instead: '2026-11-30 10:30 -05:00'"]),
    "UTC written as a zone abbreviation": (
        INCIDENT + "## Investigating - 2026-11-30 16:30 UTC\nx\n",
        ["5: bad time '2026-11-30 16:30 UTC': zone abbreviations such as 'UTC' are not "
         "accepted; write its offset instead: '2026-11-30 16:30 +00:00'"]),
    "abbreviation the site zone never uses": (
        INCIDENT + "## Investigating - 2026-11-30 10:30 PST\nx\n",
        ["5: bad time '2026-11-30 10:30 PST': zone abbreviations such as 'PST' are not "
         "accepted; leave it out to use America/Chicago, or write an offset such as "
         "'-05:00'"]),
    "heading without the hyphen": (
        INCIDENT + "## Investigating 2026-01-01 10:00\nx\n",
        [f"5: {HEADING_RULE}'## Investigating 2026-01-01 10:00'"]),
    "heading without a space": (
        INCIDENT + "##Investigating - 2026-01-01 10:00\nx\n",
        [f"5: {HEADING_RULE}'##Investigating - 2026-01-01 10:00'"]),
    "indented heading": (
        INCIDENT + "## Investigating - 2026-01-01 10:00\nx\n  ## Resolved - 2026-01-01 11:00\ny\n",
        ["7: update headings start at the beginning of the line: remove the spaces before "
         "'##'"]),
    # Four spaces or a tab make an indented code block, or a list item's text: the update
    # would be read as part of the one above it, and lost.
    "heading indented four spaces": (
        INCIDENT + "## Investigating - 2026-01-01 10:00\nx\n\n    ## Resolved - 2026-01-01 "
        "11:00\ny\n",
        ["8: update headings start at the beginning of the line: remove the spaces before "
         "'##'"]),
    "heading after a tab, in a list item": (
        INCIDENT + "## Investigating - 2026-01-01 10:00\n- x\n\t## Resolved - 2026-01-01 "
        "11:00\n",
        ["7: update headings start at the beginning of the line: remove the spaces before "
         "'##'"]),
    "heading with three #": (
        INCIDENT + "### Resolved - 2026-01-01 11:00\ny\n\n## Investigating - 2026-01-01 "
        "10:00\nx\n",
        ["5: an update heading takes two '#' ('## <Status> - <time>'): with one or three it is "
         "read as part of the update above, and its own update is lost"]),
    "heading after a line of inline code (no fence)": (
        INCIDENT + "## Investigating - 2026-01-01 10:00\n```vpn reset``` did not help.\n\n"
        "## Fixed - 2026-01-01 11:00\nx\n",
        [f"8: unknown status 'Fixed' for incident (expected one of: {INCIDENT_WORDS})"]),
    "heading after a fence closed by a bare run, not by an info string": (
        INCIDENT + "## Investigating - 2026-01-01 10:00\n```\n## Fixed - 2026-01-01 10:30\n"
        "```python\n## Fixed - 2026-01-01 10:40\n````\t\n## Fixed - 2026-01-01 11:00\nx\n",
        [f"11: unknown status 'Fixed' for incident (expected one of: {INCIDENT_WORDS})"]),
    # A fence never closed runs on into the updates below it (GitHub shows them as code):
    # check passed, and the older updates were lost from the pages, feeds and API.
    "update heading inside a code fence never closed": (
        INCIDENT + "## Identified - 2026-01-01 11:00\nError seen:\n```\nERR 500\n\n"
        "## Investigating - 2026-01-01 10:00\nLooking.\n",
        ["10: this update heading is inside the code fence opened at line 7 (```), which is "
         "never closed before it: it is read as code of the update above, and its own update "
         "is lost: close the fence with a ``` line before it"]),
    # A list item's fence: GitHub ends it with the list, Outpost read on (the incident
    # stayed open while GitHub's preview showed it resolved).
    "update heading after a list item's code fence": (
        INCIDENT + "## Investigating - 2026-01-01 10:00\nWorkaround:\n- Run\n  ~~~~\n"
        "  ipconfig /flushdns\n## Resolved - 2026-01-01 11:00\nFixed.\n",
        ["10: this update heading is inside the code fence opened at line 8 (~~~~), which is "
         "never closed before it: it is read as code of the update above, and its own update "
         "is lost: close the fence with a ~~~~ line before it"]),
    "update heading underlined instead of '##'": (
        INCIDENT + "## Investigating - 2026-01-01 10:00\nLooking.\n\n"
        "Resolved - 2026-01-01 11:00\n===\nAll fixed now.\n",
        ["8: an update heading starts with '## ' ('## <Status> - <time>'): underlined with '=' "
         "or '-', it is read as a heading inside the update above, and its own update is lost: "
         "put '## ' before it and remove the line under it"]),
    "HTML comment never closed": (
        INCIDENT + "## Monitoring - 2026-01-01 11:00\n<!-- note to self\ny\n\n" + UPDATE,
        ["6: '<!--' opens an HTML comment that is never closed, which hides everything below "
         "it: end the comment with '-->'"]),
    "HTML comment never closed, in the summary": (
        INCIDENT + "<!--\n" + UPDATE,
        ["5: '<!--' opens an HTML comment that is never closed, which hides everything below "
         "it: end the comment with '-->'",
         "5: notice has no updates: add one under a heading such as "
         "'## <Status> - YYYY-MM-DD HH:MM'"]),
    "update holding only a comment": (
        INCIDENT + "## Investigating - 2026-01-01 10:00\n<!-- to be written -->\n",
        ["5: update has no text: write what happened under the heading"]),
    "postmortem holding only a comment": (
        INCIDENT + "## Postmortem - 2026-01-02 10:00\n<!--\nto be written\n-->\n\n" + UPDATE,
        ["5: postmortem has no text: write what happened and what will change under the "
         "heading"]),
    "unknown flag": (
        INCIDENT + "## Investigating - 2026-01-01 10:00 [quiet]\nx\n",
        ["5: unknown flag '[quiet]' (the only flag is '[silent]', which posts the update "
         "without notifying)"]),
    # A typo got the list alone; the API's 'in_progress' on an incident missed that it
    # is a maintenance's status, which 'in progress' was told.
    "status typo": (
        INCIDENT + "## Investigatin - 2026-01-01 10:00\nx\n",
        ["5: unknown status 'Investigatin' for incident: did you mean 'Investigating'? "
         "(expected one of: Investigating, Identified, Monitoring, Update, Resolved)"]),
    "a maintenance's status as the API writes it, on an incident": (
        INCIDENT + "## in_progress - 2026-01-01 10:00\nx\n",
        ["5: unknown status 'in_progress' for incident (In progress is a maintenance status; "
         "expected one of: Investigating, Identified, Monitoring, Update, Resolved)"]),
    # Read as part of the time, the flag written another way got 'bad time', with no
    # word of how the flag is written.
    "silent flag in parentheses": (
        INCIDENT + "## Investigating - 2026-01-01 10:00 (silent)\nx\n",
        ["5: '(silent)' after the time: the flag is written '[silent]': ## Investigating - "
         "2026-01-01 10:00 [silent]"]),
    "silent flag with spaces, on a postmortem": (
        INCIDENT + "## Postmortem - 2026-01-02 10:00 [ Silent ]\nA disk.\n" + UPDATE,
        ["5: '[ Silent ]' after the time: the flag is written '[silent]': ## Postmortem - "
         "2026-01-02 10:00 [silent]"]),
    "update after Resolved": (
        INCIDENT + "## Update - 2026-01-01 12:00\ny\n\n## Resolved - 2026-01-01 11:00\nz\n\n"
        + UPDATE,
        ["5: update after Resolved (line 8): a resolved incident takes no further updates"]),
    "Resolved twice": (
        INCIDENT + "## Resolved - 2026-01-01 12:00\ny\n\n## Resolved - 2026-01-01 11:00\nz\n\n"
        + UPDATE,
        ["5: update after Resolved (line 8): a resolved incident takes no further updates"]),
    # Two people posting at the same minute, merged: why 'after', and what to do.
    "update at the same minute above Resolved": (
        INCIDENT + "## Monitoring - 2026-01-01 11:00\ny\n\n## Resolved - 2026-01-01 11:00\nz\n\n"
        + UPDATE,
        ["5: update after Resolved (line 8): at the same minute, the update higher in the file "
         "is the later, and a resolved incident takes no further updates: move it below the "
         "Resolved update"]),
    "Resolved twice at the same minute": (
        INCIDENT + "## Resolved - 2026-01-01 11:00\ny\n\n## Resolved - 2026-01-01 11:00\nz\n\n"
        + UPDATE,
        ["5: update after Resolved (line 8): at the same minute, the update higher in the file "
         "is the later, and a resolved incident takes no further updates"]),
    "updates later and at the same minute, written oldest first": (
        INCIDENT + UPDATE + "\n## Update - 2026-01-01 11:00\ny\n\n## Resolved - 2026-01-01 11:00"
        "\nz\n\n## Update - 2026-01-01 12:00\nw\n",
        ["14: update after Resolved (line 11): a resolved incident takes no further updates",
         # the same minute, higher in the file: the later of the two (newest first)
         "8: update after Resolved (line 11): at the same minute, the update higher in the "
         "file is the later, and a resolved incident takes no further updates: move it below "
         "the Resolved update"]),
    "update at the same minute above Completed": (
        MAINTENANCE + "## In progress - 2026-01-11 01:00\ny\n\n## Completed - 2026-01-11 01:00"
        "\nz\n\n## Scheduled - 2026-01-01 10:00\nx\n",
        ["7: update after Completed (line 10): at the same minute, the update higher in the "
         "file is the later, and a completed maintenance takes no further updates: move it "
         "below the Completed update"]),
    "update after Completed": (
        MAINTENANCE + "## Update - 2026-01-11 03:00\ny\n\n## Completed - 2026-01-11 01:00\nz\n\n"
        "## Scheduled - 2026-01-01 10:00\nx\n",
        ["7: update after Completed (line 10): a completed maintenance takes no further "
         "updates"]),
    "empty notice": (
        "",
        ["1: empty notice: expected front matter between '---' lines, then updates"]),
    "blank notice": (
        "  \n\n",
        ["1: empty notice: expected front matter between '---' lines, then updates"]),
    "no updates": (
        INCIDENT + "Just a summary.\n",
        ["5: notice has no updates: add one under a heading such as "
         "'## <Status> - YYYY-MM-DD HH:MM'"]),
    "front matter only": (
        INCIDENT,
        ["5: notice has no updates: add one under a heading such as "
         "'## <Status> - YYYY-MM-DD HH:MM'"]),
    "empty update": (
        INCIDENT + "## Investigating - 2026-01-01 10:00\n\n",
        ["5: update has no text: write what happened under the heading"]),
    **{f"update rendering to nothing: {body!r}": (
        INCIDENT + f"## Investigating - 2026-01-01 10:00\n{body}\n",
        ["5: update shows readers no text (its Markdown renders to nothing): write what "
         "happened under the heading"])
       for body in ("[status]: https://example.org/status", "&nbsp;&#32;&ensp;",
                    "<div></div>", "<br>", "***", "-", "#", "1.", "> ", "![](x.png)",
                    "[a]:\n  https://example.org\n  'A title'",
                    # invisible characters alone, as a chat app pastes an "empty" message
                    "\u200b", "&#x200B;", "\ufeff\u200d&shy;")},
    "postmortem rendering to nothing": (
        INCIDENT + "## Postmortem - 2026-01-02 10:00\n[a]: https://example.org\n\n" + UPDATE,
        ["5: postmortem shows readers no text (its Markdown renders to nothing): write what "
         "happened and what will change under the heading"]),
    "no-break space in a heading (macOS Option+Space)": (
        INCIDENT + "## Identified\u00a0- 2026-01-01 10:30\ny\n\n" + UPDATE,
        [f"5: {HEADING_RULE}'## Identified\u00a0- 2026-01-01 10:30': it holds a no-break "
         "space (U+00A0) where a plain space belongs: retype it"]),
    "no-break space in a heading's time": (
        INCIDENT + "## Identified - 2026-01-01\u202f10:30\ny\n\n" + UPDATE,
        [f"5: bad time '2026-01-01\u202f10:30': {TIME_HINT}: it holds a narrow no-break "
         "space (U+202F) where a plain space belongs: retype it"]),
    # An offset copied from a web page (timeanddate.com writes 'UTC \u22125') or a word
    # processor: the message's '-05:00' and the line's look alike, so it names the dash.
    "minus sign in a heading's offset": (
        INCIDENT + "## Identified - 2026-01-01 10:30 \u221205:00\ny\n\n" + UPDATE,
        [f"5: bad time '2026-01-01 10:30 \u221205:00': {TIME_HINT}: it holds a minus sign "
         "(U+2212) where a hyphen (-) belongs: retype it"]),
    "non-breaking hyphens in a heading's date": (
        INCIDENT + "## Identified - 2026\u201101\u201101 10:30\ny\n\n" + UPDATE,
        [f"5: bad time '2026\u201101\u201101 10:30': {TIME_HINT}: it holds a non-breaking "
         "hyphen (U+2011) where a hyphen (-) belongs: retype it"]),
    # Pasted from chat: the word or time looks right, so the message names what is unseen.
    "zero-width space in a heading's time": (
        INCIDENT + "## Identified - 2026-01-01 10:30\u200b\ny\n\n" + UPDATE,
        [f"5: bad time '2026-01-01 10:30\u200b': {TIME_HINT}: it holds a zero width space "
         "(U+200B), an invisible character: remove it"]),
    # Text pasted from a web page: an editor showing U+2028 as a line end shows the
    # heading whole and the words after it as the update's first line.
    "line separator after a heading's time": (
        INCIDENT + "## Identified - 2026-01-01 10:30\u2028Mail is late.\ny\n\n" + UPDATE,
        [f"5: bad time '2026-01-01 10:30\u2028Mail is late.': {TIME_HINT}: it holds a line "
         "separator (U+2028), which some editors show as a line break: put a newline there, "
         "or remove it"]),
    "paragraph separator in a heading's status": (
        INCIDENT + "## Identified\u2029Mail - 2026-01-01 10:30\ny\n\n" + UPDATE,
        ["5: unknown status 'Identified\u2029Mail' for incident (expected one of: "
         "Investigating, Identified, Monitoring, Update, Resolved): it holds a paragraph "
         "separator (U+2029), which some editors show as a line break: put a newline there, "
         "or remove it"]),
    "zero-width space in a heading's status": (
        INCIDENT + "## Identi\u200bfied - 2026-01-01 10:30\ny\n\n" + UPDATE,
        ["5: unknown status 'Identi\u200bfied' for incident (expected one of: Investigating, "
         "Identified, Monitoring, Update, Resolved): it holds a zero width space (U+200B), an "
         "invisible character: remove it"]),
    # In the front matter too: "unknown component 'web' (did you mean 'web'?)" read as a
    # fault of check's, with nothing to tell the two apart.
    "zero-width space in a component id": (
        "---\ntitle: A\ntype: incident\ncomponents: [web\u200b]\n---\n" + UPDATE,
        ["4: unknown component 'web\u200b' (did you mean 'web'? outpost.yaml declares: web, "
         "api): it holds a zero width space (U+200B), an invisible character: remove it"]),
    "zero-width space in a component's status": (
        "---\ntitle: A\ntype: incident\ncomponents: {web: major_outage\u200b}\n---\n"
        + UPDATE,
        ["4: unknown status 'major_outage\u200b' for component 'web' (expected one of: "
         "operational, under_maintenance, degraded_performance, partial_outage, major_outage): "
         "it holds a zero width space (U+200B), an invisible character: remove it"]),
    "byte order mark in the impact": (
        "---\ntitle: A\ntype: incident\nimpact: \ufeffmajor\n---\n" + UPDATE,
        ["4: 'impact': expected one of none, minor, major, critical, received '\ufeffmajor': "
         "it holds a zero width no-break space (U+FEFF), an invisible character: remove it"]),
    "right-to-left override in a key": (
        "---\ntitle: A\ntype: incident\nimpact\u202e: major\n---\n" + UPDATE,
        # Quoted with the override's closer: the words after it read left to right.
        ["4: unknown key 'impact\u202e\u202c' (did you mean 'impact'? " + KNOWN_KEYS
         + "): it holds a right-to-left override (U+202E), an invisible character: remove it"]),
    "byte order mark in a heading": (
        INCIDENT + "## Identified -\ufeff2026-01-01 10:30\ny\n\n" + UPDATE,
        [f"5: {HEADING_RULE}'## Identified -\ufeff2026-01-01 10:30': it holds a zero width "
         "no-break space (U+FEFF), an invisible character: remove it"]),
    "front matter indented with a tab": (
        "---\ntitle: T\ntype: incident\ncomponents:\n\t- web\n---\n" + UPDATE,
        ["5: invalid YAML: a tab indents this line: YAML indents with spaces only"]),
    "front matter indented with spaces, then a tab": (
        "---\ntitle: T\ntype: incident\ncomponents: [web]\n  \tz: 1\n---\n" + UPDATE,
        ["5: invalid YAML: a tab indents this line: YAML indents with spaces only"]),
    "a title starting with '@'": (
        "---\ntitle: @here sign-in is down\ntype: incident\ncomponents: [web]\n---\n" + UPDATE,
        ["2: invalid YAML: a value cannot start with '@' in YAML: put it in quotes: "
         "title: \"@here sign-in is down\""]),
    "a component written in backticks": (
        "---\ntitle: T\ntype: incident\ncomponents:\n  - `web`\n---\n" + UPDATE,
        ["5: invalid YAML: a value cannot start with '`' in YAML: put it in quotes: "
         "- \"`web`\""]),
    "a title starting with '`' and holding both quotes": (
        "---\ntitle: `x` \"y\" 'z'\ntype: incident\ncomponents: [web]\n---\n" + UPDATE,
        ["2: invalid YAML: a value cannot start with '`' in YAML: put it in quotes: "
         "title: '`x` \"y\" ''z'''"]),
    "a title in quotes with more after them": (
        "---\ntitle: \"Sign-in\" is slow\ntype: incident\ncomponents: [web]\n---\n" + UPDATE,
        ["2: invalid YAML: more follows the closing quote of this line's value: to write a "
         "text starting with '\"', put all of it in quotes: title: '\"Sign-in\" is slow'"]),
    # An apostrophe in single quotes ends the text: told to quote the whole line, the
    # author published a title in quotes ('We're investigating', quotes and all).
    "an apostrophe in a title in single quotes": (
        "---\ntitle: 'We're investigating'\ntype: incident\ncomponents: [web]\n---\n"
        + UPDATE,
        ["2: invalid YAML: the apostrophe in 'We're' ends the text in single quotes: write "
         "the text in double quotes: title: \"We're investigating\""]),
    "an apostrophe in a title in single quotes, double quotes in it": (
        "---\ntitle: 'Can't reach \"Sign-in\"' # ticket 4\ntype: incident\n---\n"
        + UPDATE,
        ["2: invalid YAML: the apostrophe in 'Can't' ends the text in single quotes: write "
         "it twice: title: 'Can''t reach \"Sign-in\"'"]),
    "a title starting with a bracketed word": (
        "---\ntitle: [EU] Sign-in is slow\ntype: incident\ncomponents: [web]\n---\n" + UPDATE,
        ["2: invalid YAML: more follows the closing bracket of this line's value: to write a "
         "text starting with '[', put all of it in quotes: title: \"[EU] Sign-in is slow\""]),
    # An invisible character after the value: told to quote the line, the author would
    # have written it inside the quotes, where it stays unseen, or made a list a text.
    "a byte order mark after a list": (
        "---\ntitle: T\ntype: incident\ncomponents: [web]\ufeff\n---\n" + UPDATE,
        ["4: invalid YAML: this line's value is followed by more: it holds a zero width "
         "no-break space (U+FEFF), an invisible character: remove it"]),
    "a zero-width space after a quoted title": (
        "---\ntitle: \"Sign-in\" \u200b\ntype: incident\ncomponents: [web]\n---\n" + UPDATE,
        ["2: invalid YAML: this line's value is followed by more: it holds a zero width "
         "space (U+200B), an invisible character: remove it"]),
    "a bracket too many": (
        "---\ntitle: T\ntype: incident\ncomponents: [web]]\n---\n" + UPDATE,
        ["4: invalid YAML: a ']' here closes nothing that is open: remove it"]),
    "a backslash in double quotes": (
        "---\ntitle: \"Files on \\\\srv\\share\"\ntype: incident\ncomponents: [web]\n---\n"
        + UPDATE,
        ["2: invalid YAML: a backslash in double quotes starts an escape ('\\n', '\\\\'), and "
         "this one is no escape YAML knows: write the value in single quotes: "
         "title: 'Files on \\\\srv\\share'"]),
    # As JSON tools escape an emoji: the message said more followed the closing quote.
    "an emoji escaped as a UTF-16 pair": (
        "---\ntitle: \"\\ud83d\\ude00 down\"\ntype: incident\n---\n" + UPDATE,
        ["2: invalid YAML: '\\ud83d\\ude00' is a character escaped as a pair (UTF-16's), "
         "which YAML does not join: write the character itself (\U0001f600) or "
         "'\\U0001F600'"]),
    "half of a UTF-16 pair": (
        "---\ntitle: \"a \\ud83d b\"\ntype: incident\n---\n" + UPDATE,
        ["2: invalid YAML: '\\ud83d' is half of a pair of escapes (UTF-16's) and no "
         "character alone: write the character itself"]),
    "a title starting with '%'": (
        "---\ntitle: % of requests fail\ntype: incident\n---\n" + UPDATE,
        ["2: invalid YAML: a value cannot start with '%' in YAML: put it in quotes: "
         "title: \"% of requests fail\""]),
    "a title starting with '|'": (
        "---\ntitle: | pipe down\ntype: incident\n---\n" + UPDATE,
        ["2: invalid YAML: a value starting with '|' is a text on the lines below it in YAML, "
         "and only a comment may follow the '|': to start a value with it, put the value in "
         "quotes: title: \"| pipe down\""]),
    # YAML's limit on a plain key: the message said the line had no ':' after its key.
    "a key longer than YAML allows": (
        "---\ntitle: T\n" + "k" * 1100 + ": v\ntype: incident\n---\n" + UPDATE,
        ["3: invalid YAML: a key may be at most 1,024 characters long in YAML, and this one "
         "is 1,100: shorten it"]),
    "a list begun on its key's line": (
        "---\ntitle: T\ntype: incident\ncomponents: - web\n---\n" + UPDATE,
        ["4: invalid YAML: a list cannot start on its key's line: write components: [web], or "
         "each item on a line of its own below it ('  - web'); a text starting with '- ' goes "
         "in quotes: components: \"- web\""]),
    "merge conflict": (
        INCIDENT + "<<<<<<< HEAD\n## Investigating - 2026-01-01 10:00\nx\n=======\n"
        "## Investigating - 2026-01-01 10:05\ny\n>>>>>>> branch\n",
        [f"5: {CONFLICT}", f"8: {CONFLICT}", f"11: {CONFLICT}"]),
    "unterminated front matter": (
        "---\ntitle: A\ntype: incident\n" + UPDATE,
        ["1: front matter is not closed: add a line '---' after it"]),
    "front matter closed by four dashes": (
        "---\ntitle: A\ntype: incident\n----\n" + UPDATE,
        ["4: '----' does not close the front matter: write exactly '---'"]),
    "front matter closed by an em dash": (
        "---\ntitle: A\ntype: incident\n\u2014\n" + UPDATE,
        ["4: '\u2014' does not close the front matter: write exactly '---'"]),
    # A file joined to one starting with a byte order mark, or a line pasted from chat:
    # it read 'front matter is not closed' at line 1, under the '---' the author saw.
    "front matter closed after a byte order mark": (
        "---\ntitle: A\ntype: incident\n\ufeff---\n" + UPDATE,
        ["4: '---' does not close the front matter: it holds a zero width no-break space "
         "(U+FEFF), an invisible character: remove it"]),
    "front matter closed after a zero-width space": (
        "---\ntitle: A\ntype: incident\n---\u200b\n" + UPDATE,
        ["4: '---' does not close the front matter: it holds a zero width space (U+200B), an "
         "invisible character: remove it"]),
    "no front matter": (
        "title: A\n",
        ["1: expected '---' on the first line, to open the front matter"]),
    "invalid YAML": (
        "---\ntitle: [a\ntype: incident\n---\n" + UPDATE,
        ["2: invalid YAML: a '[' opened on this line is never closed, or a ',' is missing "
         "between its items"]),
    "a flow mapping never closed": (
        "---\ntitle: A\ntype: incident\nset_statuses: {web: major\ncomponents: [web]\n---\n"
        + UPDATE,
        ["4: invalid YAML: a '{' opened on this line is never closed, or a ',' is missing "
         "between its items"]),
    # Open on the front matter's last line, with nothing after it: the parser gives up
    # past the end, at the closing '---'.
    "a '[' opened on the last line": (
        "---\ntitle: A\ntype: incident\ncomponents: [web,\n---\n" + UPDATE,
        ["4: invalid YAML: a '[' opened on this line is never closed, or a ',' is missing "
         "between its items"]),
    "a '{' opened on the last line": (
        "---\ntitle: A\ntype: incident\nset_statuses: {\n---\n" + UPDATE,
        ["4: invalid YAML: a '{' opened on this line is never closed, or a ',' is missing "
         "between its items"]),
    "a quote never closed": (
        "---\ntitle: \"A\ntype: incident\nimpact: minor\n---\n" + UPDATE,
        ["2: invalid YAML: a quote opened on this line is never closed"]),
    "a second front matter, opened": (
        "---\ntitle: A\ntype: incident\n---\n" + UPDATE + "---\ntitle: A\ntype: incident\n"
        "---\n" + UPDATE,
        ["8: " + SECOND_FRONT_MATTER]),
    "a second front matter's keys, closed": (
        "---\ntitle: A\ntype: incident\n---\n" + UPDATE + "impact: minor\ncomponents: [web]\n"
        "---\n" + UPDATE,
        ["7: " + SECOND_FRONT_MATTER]),
    # Titles often hold ': ' ('Email: delays'), which YAML reads as a second key.
    "a title holding a colon": (
        "---\ntitle: Email: delays\ntype: incident\n---\n" + UPDATE,
        ["2: invalid YAML: a value holding ': ' must be put in quotes, as YAML would read "
         "another key there: title: \"Email: delays\""]),
    "a key without its colon": (
        "---\ntitle: A\ntype incident\nimpact: minor\n---\n" + UPDATE,
        ["3: invalid YAML: this line has no ':' after its key"]),
    "the first key without its colon": (
        "---\ntitle Email delivery delays\ntype: incident\n---\n" + UPDATE,
        ["2: invalid YAML: this line has no ':' after its key"]),
    "the first key without the space after its colon": (
        "---\ntitle:Email delivery delays\ntype: incident\n---\n" + UPDATE,
        ["2: invalid YAML: this line needs a space after its key's ':'"]),
    "the first key with a no-break space after its colon": (
        "---\ntitle:\u00a0Email delivery delays\ntype: incident\n---\n" + UPDATE,
        ["2: invalid YAML: this line's ':' is followed by a no-break space (U+00A0), not a "
         "plain space: retype it"]),
    "a component's status without its colon, first of the mapping": (
        "---\ntitle: A\ntype: incident\ncomponents:\n  web major_outage\n"
        "  api: degraded_performance\n---\n" + UPDATE,
        ["5: invalid YAML: this line has no ':' after its key"]),
    "control character in front matter": (
        "---\ntitle: A\ntype: incident\ncomponents: [web]\nimpact: \x07\n---\n" + UPDATE,
        ["5: character U+0007 is not allowed (a control character or a noncharacter): "
         "remove it"]),
    "front matter is a list": (
        "---\n- a\n- b\n---\n" + UPDATE,
        ["2: front matter must be 'key: value' lines, such as 'title: Email delivery delays'"]),
    "empty front matter": (
        "---\n---\n" + UPDATE,
        ["1: missing required key 'title'", "1: missing required key 'type'"]),
    # Read past, each refusal is named, and the front matter is read as if mended: the
    # alias written out, the merge key left out, so that the title it gave is missing.
    "YAML merge key": (
        "---\nbase: &b {title: A}\n<<: *b\ntype: incident\n---\n" + UPDATE,
        ["2: anchors and aliases ('&name', '*name') are not allowed here: write the value "
         "out",
         "3: anchors and aliases ('&name', '*name') are not allowed here: write the value "
         "out",
         "3: merge keys ('<<') are not supported",
         f"2: unknown key 'base' ({KNOWN_KEYS})",
         "2: missing required key 'title'"]),
    # What YAML refuses is named with the front matter's and the updates' problems.
    "a duplicate key, a tag and a merge key with the other problems": (
        "---\ntitle: A\ntype: incident\nimpact: huge\ntitle: B\ncomponents: !list [web]\n"
        "<<: {start: x}\n---\n## Fixed - 2026-01-01 10:00\nx\n",
        ["5: duplicate key 'title' (first set at line 2)",
         "6: the YAML tag '!list' is not allowed: write the value without it",
         "7: merge keys ('<<') are not supported",
         "4: 'impact': expected one of none, minor, major, critical, received 'huge'",
         f"9: unknown status 'Fixed' for incident (expected one of: {INCIDENT_WORDS})"]),
    "nonexistent local time": (
        INCIDENT + "## Investigating - 2026-03-08 02:30\nx\n",
        ["5: time '2026-03-08 02:30' does not exist in America/Chicago: the clocks skip it at "
         "the daylight-saving change; write it with an explicit offset ('-06:00' or '-05:00')"]),
    "ambiguous local time": (
        INCIDENT + "## Investigating - 2026-11-01 01:30\nx\n",
        ["5: time '2026-11-01 01:30' happens twice in America/Chicago (CDT -05:00 and "
         "CST -06:00); add the offset you mean, e.g. '2026-11-01 01:30 -05:00'"]),
    "ambiguous maintenance end": (
        "---\ntitle: M\ntype: maintenance\nstart: 2026-10-31 23:00\nend: 2026-11-01 01:30\n"
        "---\n## Scheduled - 2026-10-01 10:00\nx\n",
        ["5: 'end': time '2026-11-01 01:30' happens twice in America/Chicago (CDT -05:00 and "
         "CST -06:00); add the offset you mean, e.g. '2026-11-01 01:30 -05:00'"]),
    "every problem at once, front matter and body": (
        "---\ntitle: A\ntype: incident\nimpact: huge\nfoo: 1\n---\n"
        "## Fixed - 2026-01-01 10:00\nx\n## Investigating - bad\n\n",
        ["5: unknown key 'foo' (" + KNOWN_KEYS + ")",
         "4: 'impact': expected one of none, minor, major, critical, received 'huge'",
         f"7: unknown status 'Fixed' for incident (expected one of: {INCIDENT_WORDS})",
         f"9: bad time 'bad': {TIME_HINT}",
         "9: update has no text: write what happened under the heading"]),
}


@pytest.mark.parametrize("name", list(NOTICE_CASES))
def test_notice_rule_message(name: str) -> None:
    text, expected = NOTICE_CASES[name]
    assert problems(text) == expected


VALID = {
    "lowercase status and en dash": INCIDENT + "## investigating \u2013 2026-01-01 10:00\nx\n",
    "em dash": INCIDENT + "## Investigating \u2014 2026-01-01 10:00\nx\n",
    "closing hashes": INCIDENT + "## Investigating - 2026-01-01 10:00 ##\nx\n",
    "silent flag": INCIDENT + "## Investigating - 2026-01-01 10:00 [silent]\nx\n",
    "explicit offset": INCIDENT + "## Investigating - 2026-11-01 01:30 -06:00\nx\n",
    "Z": INCIDENT + "## Investigating - 2026-11-01 01:30Z\nx\n",
    "deeper headings and fenced ##": INCIDENT + "## Investigating - 2026-01-01 10:00\n"
    "### Details\n```\n## not a heading\n```\n",
    "commented-out draft update": INCIDENT + "<!--\n## Bogus - tomorrow\n-->\n"
    "## Investigating - 2026-01-01 10:00\nx\n<!-- ## Resolved - later -->\n  <!--\n"
    "## Resolved - 2026-01-01 11:00\nDraft.\n-->\n",
    "setext heading underline is not a conflict": INCIDENT
    + "## Investigating - 2026-01-01 10:00\nTitle\n=======\nx\n",
    "only an image, told by its alt text": INCIDENT + "## Investigating - 2026-01-01 10:00\n"
    "![Mail is down](x.png)\n",
    "only a link": INCIDENT + "## Investigating - 2026-01-01 10:00\n<https://example.org>\n",
    "a reference and its link": INCIDENT + "## Investigating - 2026-01-01 10:00\n"
    "[a]: https://example.org\n[See][a]\n",
    "only code": INCIDENT + "## Investigating - 2026-01-01 10:00\n    ## 502\n",
    "only an entity": INCIDENT + "## Investigating - 2026-01-01 10:00\n&#x2713;\n",
    "In progress with odd spacing": MAINTENANCE + "## in  Progress - 2026-01-10 22:00\nx\n",
}


@pytest.mark.parametrize("name", list(VALID))
def test_valid_forms(name: str) -> None:
    assert problems(VALID[name]) == []


@pytest.mark.parametrize("text", [
    INCIDENT + "## Resolved - 2026-01-01 11:00\nz\n\n## Monitoring - 2026-01-01 11:00\ny\n\n"
    + UPDATE,
    INCIDENT + UPDATE + "\n## Resolved - 2026-01-01 11:00\nz\n\n## Monitoring - 2026-01-01 "
    "11:00\ny\n",  # oldest first, but at the same minute the higher one is the later
])
def test_resolved_above_an_update_at_the_same_minute_closes_the_incident(text: str) -> None:
    from generator.core.timeline import view

    notice = parse_notice(text, "notices/x.md", "x", CONFIG)
    seen = view(notice, notice.updates[0].at)
    assert seen is not None and seen.status.value == "Resolved" and not seen.is_open


def test_comments_are_left_out_of_the_summary_updates_and_postmortem() -> None:
    notice = parse_notice(
        INCIDENT + "Summary.\n<!-- internal: ticket 4711 -->\n## Postmortem - 2026-01-02 10:00"
        "\nA disk.\n\n<!--\nmore to say\n-->\n## Investigating - 2026-01-01 10:00\n"
        "<!-- draft -->\nLooking.\n<!-- ## Resolved - 2026-01-01 11:00 -->\nStill.\n",
        "notices/x.md", "x", CONFIG)
    assert notice.summary == "Summary."
    assert notice.postmortem is not None and notice.postmortem.body == "A disk."
    assert [u.body for u in notice.updates] == ["Looking.\n\nStill."]


def test_text_after_a_comment_on_its_closing_line_is_kept() -> None:
    notice = parse_notice(
        INCIDENT + "Summary.\n<!-- ticket 4711 --> Thanks for your patience.\n"
        "## Postmortem - 2026-01-02 10:00\nA disk.\n<!--\nmore to say\n--> And an alert.\n"
        "## Investigating - 2026-01-01 10:00\nLooking.\n<!-- TODO: confirm with vendor --> "
        "ETA 15:00.\nMore.\n", "notices/x.md", "x", CONFIG)
    assert notice.summary == "Summary.\n\nThanks for your patience."
    assert notice.postmortem is not None
    assert notice.postmortem.body == "A disk.\n\nAnd an alert."
    assert [u.body for u in notice.updates] == ["Looking.\n\nETA 15:00.\n\nMore."]


def test_yaml_types_are_not_guessed() -> None:
    notice = parse_notice("---\ntitle: NO\ntype: incident\n---\n" + UPDATE, "n.md", "n", CONFIG)
    assert notice.title == "NO"
    notice = parse_notice("---\ntitle: 012\ntype: incident\n---\n" + UPDATE, "n.md", "n", CONFIG)
    assert notice.title == "012"


def config_problems(text: str) -> list[str]:
    try:
        schema().parse(text)
    except ProblemsFound as exc:
        return [str(p) for p in exc.problems]
    return []


BASE = "title: T\nbase_url: https://s.example.org/\ntimezone: America/Chicago\n"
URL_HINT = "expected an absolute http(s) URL such as 'https://status.example.org/'"

NOT_A_BASE = ("Config value 'base_url': a base URL may not hold a query ('?...') or a "
              "fragment ('#...'): every link is made by adding a path to it")


def bad_host(host: str) -> str:
    return (f"'{host}' is not a host name: use letters, digits and hyphens between dots "
            "(such as 'status.example.org'), or an IP address")


CONFIG_CASES = {
    # A blank line, then an indented line: YAML reads it as more of the value above.
    "a value going on over lines": ("title: T\nbase_url: https://e.org/\ntimezone: UTC\n"
                                    "stale_after: 5\n\n  6\n", [
        "outpost.yaml:4: Config value 'stale_after': expected a whole number from 0 to "
        "100000, received '5\\n6'"]),
    "empty file": ("", [
        "outpost.yaml:1: missing required key 'base_url'",
        "outpost.yaml:1: missing required key 'timezone'",
        "outpost.yaml:1: missing required key 'title'"]),
    "indented with a tab": ("title: T\nbase_url: https://e.org/\ntimezone: UTC\n"
                            "components:\n\t- id: web\n", [
        "outpost.yaml:5: invalid YAML: a tab indents this line: YAML indents with spaces "
        "only"]),
    "a list": ("- a\n", [
        "outpost.yaml:1: expected a mapping of keys to values, received a list"]),
    "bad base_url": ("title: T\nbase_url: status.example.org\ntimezone: America/Chicago\n", [
        f"outpost.yaml:2: Config value 'base_url': {URL_HINT}, received 'status.example.org'"]),
    "ftp base_url": ("title: T\nbase_url: ftp://x.org/\ntimezone: America/Chicago\n", [
        f"outpost.yaml:2: Config value 'base_url': {URL_HINT}, received 'ftp://x.org/'"]),
    "zone abbreviation": ("title: T\nbase_url: https://s.example.org/\ntimezone: CST\n", [
        "outpost.yaml:3: Config value 'timezone': expected an IANA time zone such as "
        "'America/Chicago', received 'CST': an offset or an abbreviation changes with "
        "daylight saving time: write the zone of the place, such as 'Europe/Berlin', "
        "which knows when it changes"]),
    "unknown zone": ("title: T\nbase_url: https://s.example.org/\ntimezone: Mars/Olympus\n", [
        "outpost.yaml:3: Config value 'timezone': expected an IANA time zone such as "
        "'America/Chicago', received 'Mars/Olympus'"]),
    # Settings pasted with the '---' another tool's file starts with, or a file ending in one.
    "a second document": ("title: T\nbase_url: https://e.org/\n---\ntimezone: UTC\n", [
        "outpost.yaml:3: invalid YAML: '---' starts a second document, and the file holds "
        "one: remove this line"]),
    "a second document left empty": ("title: T\nbase_url: https://e.org/\ntimezone: UTC\n"
                                     "---\n", [
        "outpost.yaml:4: invalid YAML: '---' starts a second document, and the file holds "
        "one: remove this line"]),
    # The zone meant is named, whatever its capitals, its spaces or a letter missed.
    "zone in other capitals": (
        "title: T\nbase_url: https://s.example.org/\ntimezone: america/chicago\n", [
            "outpost.yaml:3: Config value 'timezone': expected an IANA time zone such as "
            "'America/Chicago', received 'america/chicago': did you mean 'America/Chicago'?"]),
    "zone with a space": (
        "title: T\nbase_url: https://s.example.org/\ntimezone: America/New York\n", [
            "outpost.yaml:3: Config value 'timezone': expected an IANA time zone such as "
            "'America/Chicago', received 'America/New York': did you mean "
            "'America/New_York'?"]),
    "zone misspelt": (
        "title: T\nbase_url: https://s.example.org/\ntimezone: Amerika/Chicago\n", [
            "outpost.yaml:3: Config value 'timezone': expected an IANA time zone such as "
            "'America/Chicago', received 'Amerika/Chicago': did you mean 'America/Chicago'?"]),
    # 'UTC' is close to 'UTC+2' and two hours off: an offset is told to name a place.
    "zone as an offset": (
        "title: T\nbase_url: https://s.example.org/\ntimezone: UTC+2\n", [
            "outpost.yaml:3: Config value 'timezone': expected an IANA time zone such as "
            "'America/Chicago', received 'UTC+2': an offset or an abbreviation changes with "
            "daylight saving time: write the zone of the place, such as 'Europe/Berlin', "
            "which knows when it changes"]),
    # A folder of zones is no zone; its other problems are still reported.
    "zone folder": ("title: T\nbase_url: https://s.example.org/\ntimezone: America\n"
                    "feed_items: lots\n", [
        "outpost.yaml:3: Config value 'timezone': expected an IANA time zone such as "
        "'America/Chicago', received 'America'",
        "outpost.yaml:4: Config value 'feed_items': expected a whole number from 1 to 10000, "
        "received 'lots'"]),
    "Etc folder": ("title: T\nbase_url: https://s.example.org/\ntimezone: Etc\n", [
        "outpost.yaml:3: Config value 'timezone': expected an IANA time zone such as "
        "'America/Chicago', received 'Etc'"]),
    "machine's zone": ("title: T\nbase_url: https://s.example.org/\ntimezone: localtime\n", [
        "outpost.yaml:3: Config value 'timezone': 'localtime' is this machine's own zone "
        "setting, which another machine (such as the one running CI) may not share: write "
        "the zone's IANA name, such as 'America/Chicago'"]),
    "posixrules": ("title: T\nbase_url: https://s.example.org/\ntimezone: posixrules\n", [
        "outpost.yaml:3: Config value 'timezone': 'posixrules' is an alias each machine sets "
        "for itself (the rules POSIX TZ strings fall back on), not a place: write an IANA "
        "name such as 'America/Chicago'"]),
    "no zone set": ("title: T\nbase_url: https://s.example.org/\ntimezone: Factory\n", [
        "outpost.yaml:3: Config value 'timezone': 'Factory' is tzdata's placeholder for a "
        "machine whose zone is not set, not a place: write an IANA name such as "
        "'America/Chicago'"]),
    "a copy some machines have": (
        "title: T\nbase_url: https://s.example.org/\ntimezone: right/America/Chicago\n", [
            "outpost.yaml:3: Config value 'timezone': 'right/America/Chicago' is a copy of the "
            "zone 'America/Chicago' that only some machines have: write 'America/Chicago'"]),
    "duplicate key": (BASE + "title: U\n", [
        "outpost.yaml:4: duplicate key 'title' (first set at line 1)"]),
    # What YAML refuses is named with the values' problems, read as if mended: a key's
    # first value kept, a merge key left out (the id it gave is missing), a tag removed.
    "duplicate keys beside a value's problem": (
        "title: A\ntitle: B\nbase_url: x\ntimezone: UTC\ntimezone: UTC\n", [
            "outpost.yaml:2: duplicate key 'title' (first set at line 1)",
            "outpost.yaml:3: Config value 'base_url': expected an absolute http(s) URL such as "
            "'https://status.example.org/', received 'x'",
            "outpost.yaml:5: duplicate key 'timezone' (first set at line 4)"]),
    "a tag, a duplicate and a merge key among components": (
        BASE + "feed_items: !!int 20\ncomponents:\n  - id: web\n    name: Web\n    id: www\n"
        "  - <<: {id: api}\n    name: API\nhistory_days: lots\n", [
            "outpost.yaml:4: the YAML tag '!!int' is not allowed: write the value without it",
            "outpost.yaml:8: duplicate key 'id' (first set at line 6)",
            "outpost.yaml:9: merge keys ('<<') are not supported",
            "outpost.yaml:9: missing required key 'components[1].id'",
            "outpost.yaml:11: Config value 'history_days': expected a whole number from 7 to "
            "365, received 'lots'"]),
    "an escaped control character and a key that is a list": (
        BASE + 'description: "a\\x01b"\n? [a]\n: b\nrecent_days: many\n', [
            "outpost.yaml:4: character U+0001 is not allowed (a control character or a "
            "noncharacter): remove it",
            "outpost.yaml:5: keys must be plain words",
            "outpost.yaml:7: Config value 'recent_days': expected a whole number from 0 to 90, "
            "received 'many'"]),
    "digits of another script": (
        BASE + "feed_items: \"\u0661\u0660\"\ncomponents:\n  - id: web\n    name: Web\n"
        "    since: \"2026-11-\u0660\u0661\"\n", [
            "outpost.yaml:4: Config value 'feed_items': expected a whole number from 1 to "
            "10000, received '\u0661\u0660'",
            "outpost.yaml:8: Config value 'components[0].since': expected a date such as "
            "2024-07-30, received '2026-11-\u0660\u0661'"]),
    # Year 1 in Tokyo began in year 0 in UTC, which Python's calendar cannot hold.
    "a history beginning before the years times may have": (
        "title: T\nbase_url: https://s.example.org/\ntimezone: Asia/Tokyo\ncomponents:\n"
        "  - id: web\n    name: Web\n    since: 0001-01-01\n  - id: api\n    name: API\n"
        "    since: 9999-12-31\n", [
            "outpost.yaml:7: Config value 'components[0].since': expected a date from 1900 to "
            "2999, such as 2024-07-30, received '0001-01-01'",
            "outpost.yaml:10: Config value 'components[1].since': expected a date from 1900 to "
            "2999, such as 2024-07-30, received '9999-12-31'"]),
    "script URL": (BASE + "home_url: javascript:alert(1)\n", [
        f"outpost.yaml:4: Config value 'home_url': {URL_HINT}, received 'javascript:alert(1)'"]),
    "component without name or id": (BASE + "components:\n  - id: web\n  - name: API\n", [
        "outpost.yaml:5: missing required key 'components[0].name'",
        "outpost.yaml:6: missing required key 'components[1].id'"]),
    "bad component id": (BASE + "components:\n  - id: Web Site\n    name: Web\n", [
        "outpost.yaml:5: Config value 'components[0].id': expected an id of lowercase letters, "
        "digits and hyphens, received 'Web Site'"]),
    "component id too long for a file name": (
        BASE + "components:\n  - id: " + "w" * 101 + "\n    name: Web\n", [
            "outpost.yaml:5: Config value 'components[0].id': expected an id of at most 100 "
            "characters, received '" + "w" * 99 + "…'"]),  # a long value is quoted cut
    "duplicate component": (
        BASE + "components:\n  - id: web\n    name: Web\n  - id: web\n    name: Web 2\n",
        ["outpost.yaml:7: duplicate component id 'web'"]),
    "unknown component key": (BASE + "components:\n  - id: web\n    name: Web\n    colour: red\n",
                              ["outpost.yaml:7: unknown key 'components[0].colour' (known keys: "
                               "description, group, id, name, since)"]),
    # A misspelled key is named with the keys it is close to, at every level.
    "misspelled key": (BASE + "feeditems: 10\n", [
        "outpost.yaml:4: unknown key 'feeditems' (did you mean 'feed_items'? known keys: "
        "alerts_contact, alerts_url, base_url, closed_recent, components, description, "
        "feed_items, history_days, home_label, home_url, hosted_note, language, mirrors, "
        "notify, publish, recent_days, stale_after, submit_case_url, timezone, title)"]),
    "misspelled component key": (BASE + "components:\n  - id: web\n    name: Web\n"
                                 "    groups: Campus\n", [
        "outpost.yaml:7: unknown key 'components[0].groups' (did you mean 'group'? known "
        "keys: description, group, id, name, since)"]),
    "misspelled target key in capitals": (
        BASE + "publish:\n  - name: pages\n    type: git\n    remote: origin\n"
        "    CNAME: status.example.org\n", [
            "outpost.yaml:8: unknown key 'publish[0].CNAME' (did you mean 'cname'? known keys: "
            "branch, cname, name, nojekyll, remote, retries, state_branch, type, url)"]),
    "misspelled webhook key": (BASE + "notify:\n  since: 2d\n  webhooks:\n    - name: chat\n"
                               "      url-env: OUTPOST_SLACK_WEBHOOK\n", [
        "outpost.yaml:7: 'notify.webhooks[0]': give exactly one of 'url' or 'url_env'",
        "outpost.yaml:8: unknown key 'notify.webhooks[0].url-env' (did you mean 'url_env' or "
        "'url'? known keys: backoff, components, format, name, retries, timeout, types, url, "
        "url_env)"]),
    # A list of mappings is never a single value: the message shows the form of one.
    "components as a mapping": (BASE + "components:\n  web: Web\n", [
        "outpost.yaml:5: Config value 'components': expected a list of components, each "
        "starting with '- ' on a line of its own (such as '- id: customer-sites'), received "
        "a mapping"]),
    "components as a word": (BASE + "components: web\n", [
        "outpost.yaml:4: Config value 'components': expected a list of components, each "
        "starting with '- ' on a line of its own (such as '- id: customer-sites'), received "
        "'web'"]),
    "component name of a Hangul filler": (
        BASE + "components:\n  - id: web\n    name: \"\\u3164\"\n", [
            "outpost.yaml:6: Config value 'components[0].name': shows as nothing: it holds "
            "only characters that are not seen, such as the hangul filler (U+3164): write "
            "words"]),
    "component as a word": (BASE + "components:\n  - web\n", [
        "outpost.yaml:5: Config value 'components[0]': expected a mapping of keys to values, "
        "received 'web'"]),
    "not a number": (BASE + "feed_items: 012x\n", [
        "outpost.yaml:4: Config value 'feed_items': expected a whole number from 1 to 10000, "
        "received '012x'"]),
    "number out of range": (BASE + "closed_recent: 0\n", [
        "outpost.yaml:4: Config value 'closed_recent': expected a whole number from 1 to 500, "
        "received '0'"]),
    "base_url with a query": ("title: T\nbase_url: https://s.example.org/?q=1#f\n"
                              "timezone: America/Chicago\n", [f"outpost.yaml:2: {NOT_A_BASE}"]),
    "base_url with a fragment": ("title: T\nbase_url: https://s.example.org/status#top\n"
                                 "timezone: America/Chicago\n",
                                 [f"outpost.yaml:2: {NOT_A_BASE}"]),
    "base_url with an empty query": ("title: T\nbase_url: https://s.example.org/?\n"
                                     "timezone: America/Chicago\n",
                                     [f"outpost.yaml:2: {NOT_A_BASE}"]),
    "host with markup": ("title: T\nbase_url: https://ex<a>.org/\ntimezone: America/Chicago\n",
                         [f"outpost.yaml:2: Config value 'base_url': {bad_host('ex<a>.org')}"]),
    "bracketed host that is no IPv6 address": (
        "title: T\nbase_url: https://[v1.x]/\ntimezone: America/Chicago\n",
        ["outpost.yaml:2: Config value 'base_url': '[v1.x]' is not an IPv6 address"]),
    "host of dots": ("title: T\nbase_url: https://.../\ntimezone: America/Chicago\n",
                     [f"outpost.yaml:2: Config value 'base_url': {bad_host('...')}"]),
    "host with a comma": (BASE + "home_url: https://help,desk.example.org/\n", [
        f"outpost.yaml:4: Config value 'home_url': {bad_host('help,desk.example.org')}"]),
    "host label starting with a hyphen": (BASE + "alerts_url: https://-x.example.org/\n", [
        f"outpost.yaml:4: Config value 'alerts_url': {bad_host('-x.example.org')}"]),
    # IDNA 2003 (Python's codec) would write another domain for these: no suggestion.
    "international host with an eszett": (BASE + "home_url: https://stra\u00dfe.de/\n", [
        "outpost.yaml:4: Config value 'home_url': write the international host name "
        "'stra\u00dfe.de' in its ASCII form ('xn--...'), as your DNS provider shows it"]),
    "international host": (BASE + "home_url: https://b\u00fccher.example/\n", [
        "outpost.yaml:4: Config value 'home_url': write the international host name "
        "'b\u00fccher.example' in its ASCII form, 'xn--bcher-kva.example'"]),
    "host ending in a number": (BASE + "home_url: http://10.0.300.1/\n", [
        "outpost.yaml:4: Config value 'home_url': '10.0.300.1' is not an IPv4 address"]),
    "port zero": (BASE + "home_url: https://s.example.org:0/\n", [
        "outpost.yaml:4: Config value 'home_url': the port in 's.example.org:0' must be a "
        "number from 1 to 65535"]),
    # Python's URL parser refuses these ports itself; the message still names the port.
    "port above 65535": (BASE + "alerts_url: https://s.example.org:84430/\n", [
        "outpost.yaml:4: Config value 'alerts_url': the port in 's.example.org:84430' must be a "
        "number from 1 to 65535"]),
    "port with a letter": (BASE + "home_url: https://s.example.org:8o80/\n", [
        "outpost.yaml:4: Config value 'home_url': the port in 's.example.org:8o80' must be a "
        "number from 1 to 65535"]),
    "base_url with a broken escape": (
        "title: T\nbase_url: https://s.example.org/%zz/\ntimezone: UTC\n", [
            "outpost.yaml:2: Config value 'base_url': a URL's '%' starts an escape of two hex "
            "digits (such as %20), and '%zz' is none: write '%25' for a '%' itself"]),
    "mirror with a query": (BASE + "mirrors: ['https://m.example.net/?x']\n", [
        "outpost.yaml:4: 'mirrors[0]': a base URL may not hold a query ('?...') or a fragment "
        "('#...'): every link is made by adding a path to it"]),
    # A mirror given twice, or the base_url again: banner.json and embed.js listed it
    # so, and the banner tried a host that had just failed again.
    "mirror repeated, and the base_url as a mirror": (
        BASE + "mirrors:\n  - https://m.example.net\n  - https://s.example.org/\n"
        "  - https://m.example.net/\n", [
            "outpost.yaml:6: mirror 'https://s.example.org/' is the base_url itself: list "
            "only other hosts",
            "outpost.yaml:7: duplicate mirror 'https://m.example.net/'"]),
    "bad mirror": (BASE + "mirrors: [https://ok.example.org/, nope]\n", [
        f"outpost.yaml:4: 'mirrors[1]': {URL_HINT}, received 'nope'"]),
    "blank language": (BASE + "language:\n", [
        "outpost.yaml:4: Config value 'language': expected text, received nothing"]),
    "language as a word": (BASE + "language: english\n", [
        "outpost.yaml:4: Config value 'language': expected a language tag such as 'en', "
        "'en-US' or 'es-419', received 'english'"]),
    "language with markup": (BASE + "language: 'en\"><script>alert(1)</script>'\n", [
        "outpost.yaml:4: Config value 'language': expected a language tag such as 'en', "
        "'en-US' or 'es-419', received 'en\"><script>alert(1)</script>'"]),
    "language with an empty subtag": (BASE + "language: en--US\n", [
        "outpost.yaml:4: Config value 'language': expected a language tag such as 'en', "
        "'en-US' or 'es-419', received 'en--US'"]),
    "invalid YAML": (BASE + "title: [\n", [
        "outpost.yaml:4: invalid YAML: a '[' opened on this line is never closed, or a ',' "
        "is missing between its items"]),
    "tab indentation": (BASE + "\tx: 1\n", [
        "outpost.yaml:4: invalid YAML: a tab indents this line: YAML indents with spaces "
        "only"]),
    "a list of components begun on the key's line": (
        BASE + "components: - id: web\n    name: Web\n", [
            "outpost.yaml:4: invalid YAML: a list cannot start on its key's line: write each "
            "item on a line of its own below it ('  - id: web')"]),
    "a component name holding a colon": (
        BASE + "components:\n  - id: web\n    name: Web: main site\n", [
            "outpost.yaml:6: invalid YAML: a value holding ': ' must be put in quotes, as YAML "
            "would read another key there: name: \"Web: main site\""]),
    # Pasted from a web page: the parser notices it on the line after.
    "no-break space indentation": (
        BASE + "components:\n\u00a0 - id: web\n    name: Web\n", [
            "outpost.yaml:5: invalid YAML: no-break space (U+00A0) indents this line: YAML "
            "indents with spaces only"]),
}


@pytest.mark.parametrize("name", list(CONFIG_CASES))
def test_config_rule_message(name: str) -> None:
    text, expected = CONFIG_CASES[name]
    assert config_problems(text) == expected


def test_unknown_config_key_lists_known_keys() -> None:
    [message] = config_problems(BASE + "colour: red\n")
    assert message.startswith("outpost.yaml:4: unknown key 'colour' (known keys: "
                              "alerts_contact, alerts_url, base_url, ")
    assert ("closed_recent, components, description, feed_items, history_days, home_label, "
            "home_url, hosted_note, language, ") in message


@pytest.mark.parametrize("url", [
    "https://status.example.org:8443/status/", "http://127.0.0.1:8000/", "https://[::1]/",
    "https://xn--bcher-kva.example/", "https://localhost/", "https://Status.Example.org./",
    "http://status_site:8080/",  # a service's name on a private network
    "https://status.example.org:/"])  # an empty port is the scheme's own
def test_host_names_and_addresses_a_base_url_may_have(url: str) -> None:
    config = schema().parse(f"title: T\nbase_url: '{url}'\ntimezone: America/Chicago\n")
    mirror = schema().parse(BASE + f"mirrors: ['{url}']\n")
    assert (config.base_url, mirror.mirrors) == (url, (url,))


def test_a_mirror_without_its_last_slash_gets_one_as_the_base_url_does() -> None:
    """The embeds add 'banner.json' to each host: a mirror written without its '/' was
    tried at 'https://m.example.orgbanner.json', and never answered."""
    config = schema().parse(BASE + "mirrors: [https://m.example.org, https://n.example.org/x]\n")
    assert config.mirrors == ("https://m.example.org/", "https://n.example.org/x/")


def test_links_to_other_sites_may_hold_a_query() -> None:
    config = schema().parse(BASE + "home_url: https://support.example.org/?tab=home#top\n"
                            "alerts_url: https://lists.example.org/join?list=status\n"
                            "submit_case_url: https://support.example.org/new?about={id}\n")
    assert (config.home_url, config.alerts_url, config.submit_case_url) == (
        "https://support.example.org/?tab=home#top", "https://lists.example.org/join?list=status",
        "https://support.example.org/new?about={id}")


@pytest.mark.parametrize("tag", ["en", "EN", "fr-CA", "es-419", "zh-Hant-TW", "sgn-ase",
                                 "de-CH-1996", "en-US-x-twain"])
def test_language_tags(tag: str) -> None:
    assert schema().parse(BASE + f"language: {tag}\n").language == tag


def test_base_url_gets_a_trailing_slash() -> None:
    config = schema().parse("title: T\nbase_url: https://example.org/status\n"
                          "timezone: America/Chicago\n")
    assert config.base_url == "https://example.org/status/"


# Through the CLI: files, folders, and all problems printed at once.

def write(root: Path, name: str, data: str | bytes) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)


def test_a_base_url_naming_a_page_is_refused_at_its_line(empty_repo: Path, run: Run) -> None:
    """'.../index.html' became '.../index.html/' before every link: each one led nowhere.
    Links to other sites may name a page."""
    write(empty_repo, "outpost.yaml", "title: T\nbase_url: https://status.example.org/index.html\n"
          "timezone: America/Chicago\nhome_url: https://support.example.org/index.html\n"
          "mirrors:\n  - https://mirror.example.net/v1.2\n"
          "  - https://mirror.example.net/status/Status.PHP\n"
          "publish:\n  - name: site\n    type: dir\n    path: ../out\n"
          "    url: https://pages.example.net/status/default.aspx\n")
    result = run(empty_repo, "check")
    page = "a base URL names the folder the site is served from, not a page in it"
    assert (result.exit_code, result.output) == (1, (
        f"outpost.yaml:2: Config value 'base_url': {page} ('index.html'): write "
        "'https://status.example.org/'\n"
        f"outpost.yaml:7: 'mirrors[1]': {page} ('Status.PHP'): write "
        "'https://mirror.example.net/status/'\n"
        f"outpost.yaml:12: Config value 'publish[0].url': {page} ('default.aspx'): write "
        "'https://pages.example.net/status/'\n"
        "3 problems found.\n"))


@pytest.mark.parametrize(("last", "line", "bracket"), [
    ("mirrors: [", 4, "["), ("mirrors: [https://m.example.net/,\n\n", 4, "["),
    ("components:\n  - {id: web, name: Web,  # to do\n", 5, "{")])
def test_a_bracket_open_on_the_last_line_is_named_at_its_line(
        empty_repo: Path, run: Run, last: str, line: int, bracket: str) -> None:
    """Not at the line after it, past the end of the file, as 'did not find expected node
    content': the same words and line as a bracket left open above another key."""
    write(empty_repo, "outpost.yaml", BASE + last)
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (1, (
        f"outpost.yaml:{line}: invalid YAML: a '{bracket}' opened on this line is never closed, "
        "or a ',' is missing between its items\n1 problem found.\n"))


def checked_components(root: Path, run: Run, components: str) -> tuple[int, str]:
    """``outpost check``'s exit status and output for a site whose components are
    written as ``components``."""
    write(root, "outpost.yaml", BASE + "components:\n" + components)
    result = run(root, "check")
    return result.exit_code, result.output


@pytest.mark.parametrize(("components", "line", "item"), [
    ("  -id: web\n    name: Web\n  - id: api\n    name: API\n", 5, "- id: web"),
    ("  - id: web\n    name: Web\n  -id: api\n    name: API\n", 7, "- id: api"),
    ("- id: web\n  name: Web\n-id: api\n  name: API\n", 7, "- id: api")])
def test_a_list_dash_without_its_space_is_named_at_its_line(
        empty_repo: Path, run: Run, components: str, line: int, item: str) -> None:
    """YAML reads '-id: web' as a key named '-id' and refused the line below it, or
    the next item, as 'mapping values are not allowed' or 'expected '-' indicator'."""
    assert checked_components(empty_repo, run, components) == (1, (
        f"outpost.yaml:{line}: invalid YAML: a list item's '-' needs a space after it: "
        f"{item}\n1 problem found.\n"))


def test_a_value_holding_a_colon_is_named_before_a_dash_above_it(empty_repo: Path,
                                                                 run: Run) -> None:
    """A line starting '-x: ' just above (a key YAML takes as it is) is not the mistake:
    the value holding ': ' on the error's own line is."""
    write(empty_repo, "outpost.yaml", BASE + "-x: 1\ndescription: Email: delays\n")
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (1, (
        "outpost.yaml:5: invalid YAML: a value holding ': ' must be put in quotes, as YAML "
        "would read another key there: description: \"Email: delays\"\n1 problem found.\n"))


def test_check_clean_repo_exits_0(example_repo: Path, run: Run) -> None:
    result = run(example_repo, "check")
    assert result.exit_code == 0
    assert result.output == "OK: outpost.yaml and 6 notices are valid.\n"


def test_check_prints_every_problem_and_exits_1(empty_repo: Path, run: Run) -> None:
    write(empty_repo, "notices/good.md", INCIDENT + UPDATE)
    write(empty_repo, "notices/a.md", "---\ntitle: A\ntype: outage\n---\n" + UPDATE)
    write(empty_repo, "notices/b.md", INCIDENT + "## Fixed - 2026-01-01 10:00\nx\n")
    write(empty_repo, "notices/latin1.md", INCIDENT.encode() + b"## Investigating - "
          b"2026-01-01 10:00\ncaf\xe9\n")
    write(empty_repo, "notices/Bad_Name.md", INCIDENT + UPDATE)
    write(empty_repo, "notices/notes.txt", "x")
    write(empty_repo, "notices/upper.MD", INCIDENT + UPDATE)  # as some editors name it
    write(empty_repo, "notices/2024/old.md", INCIDENT + UPDATE)
    write(empty_repo, "notices/README.md", "Ignored: explains the folder.")
    write(empty_repo, "notices/.draft.md", "ignored")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        "notices/2024: folders inside notices/ are not read: move its notices directly into "
        "notices/\n"
        "notices/Bad_Name.md:1: file name must be lowercase letters, digits and hyphens (it "
        "becomes the notice's URL): rename it 'bad-name.md'\n"
        "notices/a.md:3: 'type': expected one of incident, maintenance, received 'outage'\n"
        f"notices/b.md:5: unknown status 'Fixed' for incident (expected one of: "
        f"{INCIDENT_WORDS})\n"
        "notices/latin1.md:6: file is not valid UTF-8 (byte 0xe9): save it as UTF-8\n"
        "notices/notes.txt:1: not a notice: notice files end in '.md'\n"
        "notices/upper.MD:1: not a notice: notice files end in '.md', in lowercase (not "
        "'.MD')\n"
        "7 problems found.\n")


NO_FOLDER = ("notices: no such folder: the site's notices are kept there, one file each "
             "(git keeps a folder only with a file in it: add an empty notices/.gitkeep)")
NOT_A_FOLDER = ("notices: not a folder ({}): the site's notices are kept in a folder of this "
                "name, one file each; {}")


@pytest.mark.parametrize(("make", "problem"), [
    (lambda folder: None, NO_FOLDER),
    (lambda folder: folder.write_text("x"),
     NOT_A_FOLDER.format("a file", "move it aside or remove it")),
    (lambda folder: folder.symlink_to(folder.parent / "elsewhere"),
     NOT_A_FOLDER.format("a symlink leading nowhere", "restore its target or remove it")),
    (lambda folder: folder.symlink_to(folder),  # to itself
     NOT_A_FOLDER.format("a symlink leading nowhere", "restore its target or remove it")),
    (lambda folder: folder.symlink_to("outpost.yaml"),
     NOT_A_FOLDER.format("a symlink to a file", "move it aside or remove it")),
])
def test_a_site_without_a_notices_folder_builds_nothing(
        empty_repo: Path, run: Run, tmp_path: Path, make: Callable[[Path], object],
        problem: str) -> None:
    """Not 'OK: 0 notices' and an empty site published: the notices are missing. Every
    command words the problem the same way."""
    folder = empty_repo / "notices"
    folder.rmdir()
    make(folder)
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (1, f"{problem}\n1 problem found.\n")
    result = run(empty_repo, "build", "--out", str(tmp_path / "site"))
    assert (result.exit_code, result.output) == (
        1, f"{problem}\n1 problem found. Build stopped: nothing was written.\n")
    assert not (tmp_path / "site").exists()
    result = run(empty_repo, "list")
    assert (result.exit_code, result.output) == (1, f"{problem}\n1 problem found.\n")
    for args in (("update", "example", "-m", "hi"), ("resolve", "example"),
                 ("postmortem", "example", "-m", "A disk.")):
        result = run(empty_repo, *args)
        assert (result.exit_code, result.output) == (
            1, f"{problem}\n1 problem found. Nothing was written.\n"), args
    result = run(empty_repo, "new", "incident", "Hello", "-m", "x")
    if problem == NO_FOLDER:  # made on writing
        assert result.exit_code == 0, result.output
        assert [path.suffix for path in folder.iterdir()] == [".md"]
    else:
        assert (result.exit_code, result.output) == (
            1, f"{problem}\n1 problem found. Nothing was written.\n")
        assert os.path.lexists(folder) and not folder.is_dir()


def test_an_empty_notices_folder_is_a_site_with_no_notices(empty_repo: Path,
                                                           run: Run) -> None:
    write(empty_repo, "notices/.gitkeep", "")
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (0, "OK: outpost.yaml and 0 notices are "
                                                    "valid.\n")


def test_bom_and_crlf_are_accepted(empty_repo: Path, run: Run) -> None:
    write(empty_repo, "notices/win.md", "\ufeff" + (INCIDENT + UPDATE).replace("\n", "\r\n"))
    result = run(empty_repo, "check")
    assert result.output == "OK: outpost.yaml and 1 notice are valid.\n"
    assert result.exit_code == 0


@pytest.mark.parametrize("end", ["\ufeff", "\ufeff\n", "\n\ufeff", "\ufeff\r\n\ufeff\n",
                                 "\ufeff " * 200_000])
def test_a_byte_order_mark_at_the_end_is_not_text(end: str) -> None:
    """A file or message joined to one that began with a byte order mark ends with one:
    as at the start, it marks an encoding, but it was kept as the last update's last
    character, in the pages, feeds, emails and API."""
    text = "\ufeff" + INCIDENT + "## Investigating - 2026-01-01 10:00\nAll good now." + end
    notice = parse_bytes(text.encode(), "notices/x.md", "x", CONFIG)
    assert [update.body for update in notice.updates] == ["All good now."]
    assert clean_message("\ufeffAll good now." + end) == "All good now."


def test_config_problems_through_check(empty_repo: Path, run: Run) -> None:
    write(empty_repo, "outpost.yaml", BASE + "colour: red\nfeed_items: lots\n")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("outpost.yaml:4: unknown key 'colour'")
    assert lines[1:] == [
        "outpost.yaml:5: Config value 'feed_items': expected a whole number from 1 to 10000, "
        "received 'lots'",
        "2 problems found."]


EVERY_KIND = """\
title: T
base_url: https://status.example.org/
timezone: America/Chicago
feed_items: lots
colour: red
components:
  - id: web
    name: Web
  - id: web
    name: Web again
publish:
  - name: a
    type: dir
    path: out
    keep: 0
  - name: a
    type: dir
    path: out2
notify:
  since: 2026-03-08 02:30
  password: x
  contacts:
    - email: ops@example.org
      components: [nope]
  webhooks:
    - name: w
      url: https://example.org/h
      url_env: HOOK
      format: xml
"""


def test_every_problem_of_outpost_yaml_in_one_run(empty_repo: Path, run: Run) -> None:
    """Values of the wrong type, and checks across keys and sections, all at once."""
    write(empty_repo, "outpost.yaml", EVERY_KIND)
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "outpost.yaml:4: Config value 'feed_items': expected a whole number from 1 to 10000, "
        "received 'lots'",
        "outpost.yaml:5: unknown key 'colour' (known keys: alerts_contact, alerts_url, "
        "base_url, closed_recent, components, description, feed_items, history_days, "
        "home_label, home_url, hosted_note, language, mirrors, notify, publish, recent_days, "
        "stale_after, submit_case_url, timezone, title)",
        "outpost.yaml:9: duplicate component id 'web'",
        "outpost.yaml:15: Config value 'publish[0].keep': expected a whole number from 1 to "
        "100, received '0'",
        "outpost.yaml:16: duplicate publish target name 'a'",
        "outpost.yaml:19: 'notify.from' is required when there are contacts",
        "outpost.yaml:19: 'notify.smtp' is required when there are contacts (host, port, "
        "security)",
        "outpost.yaml:20: 'notify.since': time '2026-03-08 02:30' does not exist in "
        "America/Chicago: the clocks skip it at the daylight-saving change; write it with an "
        "explicit offset ('-06:00' or '-05:00')",
        "outpost.yaml:21: 'notify.password': credentials are never read from outpost.yaml, "
        "which is public; set OUTPOST_SMTP_USERNAME and OUTPOST_SMTP_PASSWORD in the "
        "environment (CI secrets) instead",
        "outpost.yaml:24: 'notify.contacts[0].components': unknown component 'nope' "
        "(declared: web)",
        "outpost.yaml:26: 'notify.webhooks[0]': give exactly one of 'url' or 'url_env'",
        "outpost.yaml:29: Config value 'notify.webhooks[0].format': expected one of "
        "statuspage, slack, received 'xml'",
        "12 problems found.",
    ]


def test_duplicate_keys_of_outpost_yaml_are_named_with_its_other_problems(
        empty_repo: Path, run: Run) -> None:
    """A duplicate key stopped the reading: check named the first alone, not the second
    nor the values' problems, so each fix met the next problem one run later."""
    write(empty_repo, "outpost.yaml", "title: A\ntitle: B\nbase_url: x\ntimezone: UTC\n"
          "timezone: UTC\n")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        "outpost.yaml:2: duplicate key 'title' (first set at line 1)\n"
        "outpost.yaml:3: Config value 'base_url': expected an absolute http(s) URL such as "
        "'https://status.example.org/', received 'x'\n"
        "outpost.yaml:5: duplicate key 'timezone' (first set at line 4)\n"
        "3 problems found.\n")


def test_duplicate_keys_of_a_notice_are_named_with_its_other_problems(
        empty_repo: Path, run: Run) -> None:
    """A duplicate key, a tag or a merge key in the front matter stopped the reading of
    the notice: check named the first alone, then the next one run after another."""
    write(empty_repo, "notices/x.md", "---\ntitle: A\ntype: incident\nimpact: huge\n"
          "title: B\ncomponents: !list [web]\n<<: {start: x}\ntype: incident\n---\n"
          "## Fixed - 2026-01-01 10:00\nx\n")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        "notices/x.md:4: 'impact': expected one of none, minor, major, critical, received "
        "'huge'\n"
        "notices/x.md:5: duplicate key 'title' (first set at line 2)\n"
        "notices/x.md:6: the YAML tag '!list' is not allowed: write the value without it\n"
        "notices/x.md:7: merge keys ('<<') are not supported\n"
        "notices/x.md:8: duplicate key 'type' (first set at line 3)\n"
        f"notices/x.md:10: unknown status 'Fixed' for incident (expected one of: "
        f"{INCIDENT_WORDS})\n"
        "6 problems found.\n")


def test_checks_that_depend_on_a_broken_value_are_skipped() -> None:
    """A check across keys that would read a value with a problem of its own says
    nothing: that problem is reported, and the check would only guess."""
    assert config_problems("""\
title: T
base_url: https://status.example.org/
timezone: America
components:
  - id: Web
    name: Web
notify:
  since: 2026-03-08 02:30
  from: status@example.org
  smtp: {host: smtp.example.org, security: ssl}
  contacts:
    - email: ops@example.org
      components: [Web]
  webhooks:
    - name: w
      url: https://example.org/hook?token=x
      url_env: HOOK
""") == [
        "outpost.yaml:3: Config value 'timezone': expected an IANA time zone such as "
        "'America/Chicago', received 'America'",
        "outpost.yaml:5: Config value 'components[0].id': expected an id of lowercase "
        "letters, digits and hyphens, received 'Web'",
        "outpost.yaml:10: Config value 'notify.smtp.security': expected one of starttls, "
        "tls, none, received 'ssl'",
        "outpost.yaml:13: 'notify.contacts[0].components[0]': expected an id of lowercase "
        "letters, digits and hyphens, received 'Web'",
        "outpost.yaml:16: 'notify.webhooks[0].url': the URL holds a credential in its query "
        "('token='); outpost.yaml is public, so set the URL in an environment variable and "
        "write 'url_env: NAME' instead",
    ]


def test_missing_config(tmp_path: Path, run: Run) -> None:
    result = run(tmp_path, "check")
    assert result.exit_code == 1
    assert result.output == (f"outpost.yaml: not found in {tmp_path} or its parent folders "
                             "up to the repository root (run 'outpost init' to create one)"
                             "\n1 problem found.\n")


@pytest.mark.parametrize("command", [
    ["build"], ["publish"], ["notify", "--dry-run"], ["verify"], ["list"],
    ["new", "incident", "x"], ["update", "x", "--status", "update", "-m", "hi"],
    ["resolve", "x"], ["postmortem", "x"],
])
def test_every_command_names_the_missing_config_without_a_line(
        tmp_path: Path, run: Run, command: list[str]) -> None:
    """A file that does not exist has no line 1."""
    result = run(tmp_path, *command)
    assert result.exit_code == 1
    assert (f"outpost.yaml: not found in {tmp_path} or its parent folders up to the "
            "repository root (run 'outpost init' to create one)\n1 problem found.") \
        in result.output
    assert "outpost.yaml:1" not in result.output


def test_config_not_utf8(empty_repo: Path, run: Run) -> None:
    write(empty_repo, "outpost.yaml", b"title: Caf\xe9\n")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == ("outpost.yaml:1: file is not valid UTF-8 (byte 0xe9): save it "
                             "as UTF-8\n1 problem found.\n")
    # Lines ended by a CR alone (old Mac line ends), as an editor counts them.
    write(empty_repo, "outpost.yaml", b"# Settings\rtimezone: UTC\rtitle: Caf\xe9\r")
    assert run(empty_repo, "check").output == (
        "outpost.yaml:3: file is not valid UTF-8 (byte 0xe9): save it as UTF-8\n"
        "1 problem found.\n")
    write(empty_repo, "outpost.yaml", "title: Café\n".encode("utf-16"))
    assert run(empty_repo, "check").output == (
        "outpost.yaml:1: file is UTF-16 (as Notepad's \"Unicode\" and PowerShell 5's '>' "
        "save it), not UTF-8: save it as UTF-8\n1 problem found.\n")


def test_utf16_without_a_byte_order_mark_is_named(empty_repo: Path, run: Run) -> None:
    """UTF-16 saved without a byte order mark (iconv's UTF-16LE, .NET's Encoding.Unicode)
    is valid UTF-8 with a NUL beside each letter: a notice got 'character U+0000 is not
    allowed' at every line, outpost.yaml the same, and a template passed check."""
    utf16 = ("file is UTF-16 (as Notepad's \"Unicode\" and PowerShell 5's '>' save it), not "
             "UTF-8: save it as UTF-8")
    notice = ("---\ntitle: Slow\ntype: incident\n---\n## Investigating - 2026-11-28 09:00\n"
              "Looking.\n")
    write(empty_repo, "notices/2026-11-28-le.md", notice.encode("utf-16-le"))
    write(empty_repo, "notices/2026-11-28-be.md", notice.encode("utf-16-be"))
    write(empty_repo, "templates/404.html", "<p>Not here.</p>\n".encode("utf-16-le"))
    assert run(empty_repo, "check").output == (
        f"notices/2026-11-28-be.md:1: {utf16}\nnotices/2026-11-28-le.md:1: {utf16}\n"
        f"templates/404.html:1: {utf16}\n3 problems found.\n")
    write(empty_repo, "outpost.yaml", BASE.encode("utf-16-le"))
    assert run(empty_repo, "check").output == f"outpost.yaml:1: {utf16}\n1 problem found.\n"
    # A NUL in UTF-8 text is that character, named as such.
    write(empty_repo, "outpost.yaml", b"\0" + BASE.encode())
    assert run(empty_repo, "check").output == (
        "outpost.yaml:1: invalid YAML: character U+0000 is not allowed here\n"
        "1 problem found.\n")


def test_config_with_bom_and_crlf(empty_repo: Path, run: Run) -> None:
    write(empty_repo, "outpost.yaml", "\ufeff" + BASE.replace("\n", "\r\n"))
    result = run(empty_repo, "check")
    assert result.output == "OK: outpost.yaml and 0 notices are valid.\n"


def test_unknown_component_after_config_change(example_repo: Path, run: Run) -> None:
    config = (example_repo / "outpost.yaml").read_text()
    start = config.index("  - id: digital-repository")
    end = config.index("  - id: support-portal")
    (example_repo / "outpost.yaml").write_text(config[:start] + config[end:])
    result = run(example_repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        "notices/2024-07-30-digicert-certificate-reissue.md:5: unknown component "
        "'digital-repository' (outpost.yaml declares: customer-sites, mobile-notifications, "
        "support-portal, campus-community)\n1 problem found.\n")


def test_a_contact_name_holding_encoded_text_is_refused_at_its_line() -> None:
    """Python's email package reads '=?...?=' in an address's name as encoded text, even
    in an Address it is given: this name wrote a line break and a header of its own
    into every email to the contact."""
    assert config_problems(BASE + """\
notify:
  since: 2026-11-01 00:00
  from: status@example.org
  smtp: {host: smtp.example.org}
  contacts:
    - email: bob@example.org
      name: '=?utf-8?q?x=0D=0AX-Evil:_1?='
""") == [
        "outpost.yaml:10: Config value 'notify.contacts[0].name': must not hold '=?' (mail "
        "programs read it as encoded text, which can hide a line break in the email's "
        "header)"]


@pytest.mark.parametrize("empty", ["", " ~", " null"])
def test_an_empty_notify_section_is_named_at_its_line(empty: str) -> None:
    """'notify:' with its body commented out passed check, and the publish workflow, which
    runs 'outpost notify' when it sees the key, then failed every run with 'outpost.yaml
    has no notify: section'."""
    assert config_problems(BASE + f"notify:{empty}\n# since: 2026-11-01\n") == [
        "outpost.yaml:4: 'notify' is empty: give it 'since' and contacts or webhooks, or "
        "remove the key too to send nothing"]


def test_a_base_url_with_dot_or_empty_segments_is_refused_at_its_line(
        empty_repo: Path, run: Run) -> None:
    """'/status/../' and '//status/' passed: every link was made by adding a path to
    them, so feed ids and canonical links were not the URLs a browser resolves them to."""
    write(empty_repo, "outpost.yaml", "title: T\nbase_url: https://status.example.org/a/../\n"
          "timezone: America/Chicago\n"
          "mirrors:\n  - https://mirror.example.net//status/\n"
          "  - https://mirror.example.net/./status/v2/..\n"
          "  - https://mirror.example.net/status/\n")
    result = run(empty_repo, "check")
    words = ("a base URL's path may not hold '//', '/./' or '/../': every link is made by "
             "adding a path to it: write")
    assert (result.exit_code, result.output) == (1, (
        f"outpost.yaml:2: Config value 'base_url': {words} 'https://status.example.org/'\n"
        f"outpost.yaml:5: 'mirrors[0]': {words} 'https://mirror.example.net/status/'\n"
        f"outpost.yaml:6: 'mirrors[1]': {words} 'https://mirror.example.net/status/'\n"
        "3 problems found.\n"))


def test_a_base_url_with_an_encoded_dot_segment_or_slash_is_refused_at_its_line(
        empty_repo: Path, run: Run) -> None:
    """'%2e%2e' (any case) passed, which browsers read as '..', and '%2f', which one host
    reads as '/' and another does not: refused as '/../' is, the segment named as typed."""
    write(empty_repo, "outpost.yaml", "title: T\n"
          "base_url: https://status.example.org/a/%2E%2e/\n"
          "timezone: America/Chicago\n"
          "mirrors:\n  - https://mirror.example.net/status/.%2e/status/\n"
          "  - https://mirror.example.net/%2e/status\n"
          "  - https://mirror.example.net/status%2Fv2/\n"
          "  - https://mirror.example.net/status/v%2e2/\n")
    result = run(empty_repo, "check")
    dots = ("which browsers read as '{}': every link is made by adding a path to it: write")
    assert (result.exit_code, result.output) == (1, (
        "outpost.yaml:2: Config value 'base_url': a base URL's path may not hold '%2E%2e', "
        f"{dots.format('..')} 'https://status.example.org/'\n"
        "outpost.yaml:5: 'mirrors[0]': a base URL's path may not hold '.%2e', "
        f"{dots.format('..')} 'https://mirror.example.net/status/'\n"
        "outpost.yaml:6: 'mirrors[1]': a base URL's path may not hold '%2e', "
        f"{dots.format('.')} 'https://mirror.example.net/status/'\n"
        "outpost.yaml:7: 'mirrors[2]': a base URL's path may not hold '%2F', an encoded '/' "
        "that some hosts read as '/' and others do not: write "
        "'https://mirror.example.net/status/v2/'\n"
        "4 problems found.\n"))


def test_a_base_url_with_empty_segments_and_a_page_is_told_the_folder(
        empty_repo: Path, run: Run) -> None:
    """'/status//index.html' was told to write '.../status/index.html/', which check then
    refused for its page's name: the URL to write is the folder."""
    write(empty_repo, "outpost.yaml", "title: T\n"
          "base_url: https://status.example.org/status//index.html\n"
          "timezone: America/Chicago\n")
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (1, (
        "outpost.yaml:2: Config value 'base_url': a base URL's path may not hold '//', "
        "'/./' or '/../': every link is made by adding a path to it: write "
        "'https://status.example.org/status/'\n1 problem found.\n"))


@pytest.mark.parametrize(("components", "line", "fix"), [
    ("  - web\n    name: Web\n  - id: api\n    name: API\n", 5, "- id: web"),
    ("  - id: api\n    name: API\n  -  web  \n     name: Web\n", 7, "- id: web"),
    ("- web\n  name: Web\n", 5, "- <key>: web")])
def test_a_list_item_without_its_key_is_named_at_its_line(
        empty_repo: Path, run: Run, components: str, line: int, fix: str) -> None:
    """'- web' over '  name: Web' (the item's 'id: ' forgotten) got YAML's 'mapping values
    are not allowed in this context' at the line below it. The key is the one the
    list's other items start with."""
    assert checked_components(empty_repo, run, components) == (1, (
        f"outpost.yaml:{line}: invalid YAML: this list item holds 'web' and keys below it: "
        f"give it its key: {fix}\n1 problem found.\n"))


@pytest.mark.parametrize(("lines", "line", "message"), [
    ("components:\n  - id: web\n   name: Web\n", 6,
     "this line's key 'name' is indented 3 spaces, which lines up with nothing above it: "
     "line it up with 'id' (4 spaces in)"),
    ("components:\n  - id: web\n     name: Web\n", 6,
     "this line's key 'name' is indented 5 spaces, which lines up with nothing above it: "
     "line it up with 'id' (4 spaces in)"),
    (" mirrors: [https://m.example.net/]\n", 4,
     "this line's key 'mirrors' is indented 1 space, which lines up with nothing above it: "
     "line it up with 'timezone' (at the start of the line)"),
    ("components:\n- id: web\n  name: Web\n - id: api\n   name: API\n", 7,
     "this list item's '-' is indented 1 space, which lines up with nothing above it: "
     "line it up with '- id: web' (at the start of the line)"),
    ("components:\n  - id: web\n    name: Web\n   - id: api\n     name: API\n", 7,
     "this list item's '-' is indented 3 spaces, which lines up with nothing above it: "
     "line it up with '- id: web' (2 spaces in)"),
    ("components:\n  - id: web\n    name: Web\n    description: a\n      b: c\n", 8,
     "this line's key 'b' is indented 6 spaces, which lines up with nothing above it: "
     "line it up with 'description' (4 spaces in)"),
    ("notify:\n  smtp:\n    host: x\n   port: 25\n", 7,
     "this line's key 'port' is indented 3 spaces, which lines up with nothing above it: "
     "line it up with 'host' (4 spaces in)"),
    # Words of a text over lines ('>', quoted, '{...}') are no keys, nor a line under a
    # '-' alone: the key a space off is the one below them.
    ("components:\n  - id: web\n    description: >\n      Note: long\n   name: Web\n", 8,
     "this line's key 'name' is indented 3 spaces, which lines up with nothing above it: "
     "line it up with 'description' (4 spaces in)"),
    ("components:\n  - id: web\n    description: \"a\n      Note: b\"\n   name: Web\n", 8,
     "this line's key 'name' is indented 3 spaces, which lines up with nothing above it: "
     "line it up with 'description' (4 spaces in)"),
    ("notify:\n  smtp: {host: x,\n      port: 25}\n   since: 2d\n", 7,
     "this line's key 'since' is indented 3 spaces, which lines up with nothing above it: "
     "line it up with 'smtp' (2 spaces in)"),
    ("components:\n  -\n    name: Web\n   id: web\n", 7,
     "this line's key 'id' is indented 3 spaces, which lines up with nothing above it: "
     "line it up with 'name' (4 spaces in)"),
])
def test_a_key_or_item_indented_a_space_off_is_named_with_what_to_line_it_up_with(
        empty_repo: Path, run: Run, lines: str, line: int, message: str) -> None:
    """A space too many or too few got libyaml's words ('did not find expected key',
    'mapping values are not allowed in this context'), which name no cause."""
    write(empty_repo, "outpost.yaml", BASE.replace("timezone: America/Chicago",
                                                   "timezone: UTC") + lines)
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (
        1, f"outpost.yaml:{line}: invalid YAML: {message}\n1 problem found.\n")


def test_a_front_matter_key_indented_a_space_off_is_named_at_its_line(
        empty_repo: Path, run: Run) -> None:
    write(empty_repo, "notices/2026-11-28-web.md",
          "---\ntitle: Web down\ntype: incident\ncomponents:\n  web: major\n   api: minor\n"
          "---\n## Investigating - 2026-11-28 08:00\nLooking.\n")
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (1, (
        "notices/2026-11-28-web.md:6: invalid YAML: this line's key 'api' is indented 3 "
        "spaces, which lines up with nothing above it: line it up with 'web' (2 spaces in)\n"
        "1 problem found.\n"))


@pytest.mark.parametrize("line_break", ["\r", "\r\n", "\x85", "\u2028", "\u2029"])
@pytest.mark.parametrize(("line", "hint"), [
    ("components: - web", "write components: [web], or each item on a line of its own "
                          "below it ('  - web')"),
    ('title: "Sign-in" is slow', "put all of it in quotes: title: '\"Sign-in\" is slow'"),
    ("title: @here down", "put it in quotes: title: \"@here down\""),
])
def test_yaml_hints_read_the_line_yaml_counts(line_break: str, line: str, hint: str) -> None:
    """YAML also breaks lines at a CR, U+0085, U+2028 and U+2029 (in a quoted value
    here): a hint reads the line its error is on as YAML counts lines, not another."""
    from generator.config import yamlnodes

    text = f'description: "a{line_break}b"\n{line}\ntimezone: UTC\n'
    with pytest.raises(yamlnodes.YamlError) as caught:
        yamlnodes.parse(text)
    assert hint in str(caught.value)
    assert "timezone" not in str(caught.value)
    # At the line an editor shows it on: a CR ends a line there too, the others do not.
    assert caught.value.line == (3 if line_break in ("\r", "\r\n") else 2)


@pytest.mark.parametrize("line", [
    "components: - web",
    'title: "Sign-in" is slow',
    "title: @here sign-in is down",
    "title: Email: delays",
    'title: "Files on C:\\Temp"',
    "title: 'it''s # not a comment' here",
])
def test_yaml_hints_leave_a_comment_out_of_the_line_they_write(line: str) -> None:
    """A comment after the value ('# the main site', as the README's examples have) is
    no part of it: a hint writing the line back in quotes or brackets leaves it out,
    where it would be in the title, or make '[web  # ...]' a list never closed."""
    from generator.config import yamlnodes

    said = []
    for text in (f"{line}\n", f"{line}   # a note\n"):
        with pytest.raises(yamlnodes.YamlError) as caught:
            yamlnodes.parse(text)
        said.append(str(caught.value))
    assert said[0] == said[1]
    assert "note" not in said[1]


HIDDEN_BREAK = ("invalid YAML: this line holds a line separator (U+2028), which YAML reads "
                "as a line break though an editor shows none: remove it")
ONE_LINE_TITLE = ("notices/x.md:2: title must be a single line: it holds a line separator "
                  "(U+2028), a line break: remove it")


@pytest.mark.parametrize(("front_matter", "expected"), [
    # In a quoted title: the line after is the next line an editor shows.
    ('title: "Sign-in\u2028slow"\ntype: incident\ncomponents: [mail]\n',
     [ONE_LINE_TITLE,
      "notices/x.md:4: unknown component 'mail' (outpost.yaml declares: web, api)"]),
    ('title: "Sign-in\u2029slow"\ntype: incident\nseverity: high\n',
     [f"notices/x.md:4: unknown key 'severity' ({KNOWN_KEYS})"]),
    ('title: "Sign-in\u2028slow"\ntype: incident\ncomponents: [web\n',
     ["notices/x.md:4: invalid YAML: a '[' opened on this line is never closed, or a ',' "
      "is missing between its items"]),
    # In a block scalar, its text going on after the separator.
    ("title: >\n  Sign-in\u2028  slow\ntype: incident\ncomponents: [mail]\n",
     [ONE_LINE_TITLE,
      "notices/x.md:5: unknown component 'mail' (outpost.yaml declares: web, api)"]),
    # YAML ends the block's line at the separator, where an editor shows none: the text
    # after it is a line of its own to YAML, and no key.
    ("title: >\n  Sign-in\u2028slow\ntype: incident\n", [f"notices/x.md:3: {HIDDEN_BREAK}"]),
    ("title: A\ntype: incident\ncomponents: [web]  # see\u2028ticket\n",
     [f"notices/x.md:4: {HIDDEN_BREAK}"]),
])
def test_front_matter_lines_are_counted_as_an_editor_shows_them(
        empty_repo: Path, run: Run, front_matter: str, expected: list[str]) -> None:
    """YAML breaks lines at U+2028 and U+2029 too, editors and git do not: every line
    after one was named one further down than the author's editor showed it."""
    write(empty_repo, "notices/x.md", f"---\n{front_matter}---\n{UPDATE}")
    result = run(empty_repo, "check")
    found = f"{len(expected)} problem{'s' if len(expected) > 1 else ''} found."
    assert (result.exit_code, result.output) == (1, "\n".join([*expected, found, ""]))


def test_a_line_separator_in_the_summary_moves_no_heading_line(
        empty_repo: Path, run: Run) -> None:
    write(empty_repo, "notices/x.md", "---\ntitle: A\ntype: incident\n---\n"
          "Sign-in\u2028is slow.\n\n## Investigating - 2026-01-01 10:00\nx\n"
          "## Fixed - 2026-01-01 11:00\ny\n")
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (1, (
        f"notices/x.md:9: unknown status 'Fixed' for incident (expected one of: "
        f"{INCIDENT_WORDS})\n1 problem found.\n"))


@pytest.mark.parametrize("line_break", ["\x85", "\u2028", "\u2029"])
@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_settings_lines_are_counted_as_an_editor_shows_them(
        empty_repo: Path, run: Run, line_break: str, line_end: str) -> None:
    """outpost.yaml, with any line ends: the key after a quoted value holding U+0085,
    U+2028 or U+2029 is named at the line an editor shows it on (YAML folds U+0085 in
    quotes to a space, as it does a line end)."""
    text = (f'title: "Service{line_break}status"\nbase_url: https://s.example.org/\n'
            'description: "Incidents\n  and maintenance"\ntimezone: UTC\ncolour: red\n')
    write(empty_repo, "outpost.yaml", text.replace("\n", line_end))
    result = run(empty_repo, "check")
    title = [] if line_break == "\x85" else [
        "outpost.yaml:1: Config value 'title': must be a single line: it holds a "
        f"{'line' if line_break == chr(0x2028) else 'paragraph'} separator "
        f"(U+{ord(line_break):04X}), a line break: remove it"]
    lines = result.output.splitlines()
    assert (result.exit_code, lines[:-2]) == (1, title)
    assert lines[-2].startswith("outpost.yaml:6: unknown key 'colour' (known keys: ")
    assert lines[-1] == f"{len(title) + 1} problem{'s' if title else ''} found."


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_a_character_yaml_refuses_is_named_at_its_line(
        empty_repo: Path, run: Run, line_end: str) -> None:
    """libyaml tells where it is in bytes of UTF-8: after a comment in Japanese the line
    named was lines too far; and lines ended by a CR alone were not counted."""
    text = ("# ステータスページの設定です。変更したら確認してください。\n"
            "# 時刻はすべてサイトのタイムゾーンで書きます。\n"
            "title: Service\x01 status\nbase_url: https://s.example.org/\ntimezone: UTC\n")
    write(empty_repo, "outpost.yaml", text.replace("\n", line_end))
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (
        1, "outpost.yaml:3: invalid YAML: character U+0001 is not allowed here\n"
           "1 problem found.\n")


def test_a_next_line_character_in_a_settings_comment_is_named(empty_repo: Path,
                                                               run: Run) -> None:
    """YAML ends the comment at U+0085 (pasted from a document saved by an old tool),
    and read the rest as a key: it is named, at the line an editor shows it on."""
    write(empty_repo, "outpost.yaml", "title: T\nbase_url: https://s.example.org/\n"
          "timezone: UTC  # the zone of\x85 times written without an offset\n")
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (1, (
        "outpost.yaml:3: invalid YAML: this line holds a next line character (U+0085), "
        "which YAML reads as a line break though an editor shows none: remove it\n"
        "1 problem found.\n"))
