"""The guided `pmcpost new` on a terminal: its questions, the problem with an answer, and the outcome."""

from __future__ import annotations

from collections.abc import Sequence

from pmcpost.diagnostics import Diagnostic
from pmcpost.guided import Check
from pmcpost.i18n import tr
from pmcpost.output import console, print_diagnostics


class TerminalAsker:
    """Asks on the terminal (rich's prompt); an answer with a problem is explained and asked again."""

    def __init__(self) -> None:
        self.con = console()

    def say(self, text: str) -> None:
        from rich.text import Text

        self.con.print(Text(text))

    def ask(self, question: str, check: Check, *, default: str = "") -> str:
        from rich.prompt import Prompt
        from rich.text import Text

        while True:
            answer = Prompt.ask(
                Text(question, style="bold"), console=self.con, default=default, show_default=bool(default)
            )
            problem = check(answer)
            if problem is None:
                return answer
            self.con.print(Text("  " + problem, style="red"))

    def choose(self, question: str, options: Sequence[tuple[str, str]], default: str) -> str:
        from rich.text import Text

        self.con.print(Text(question, style="bold"))
        keys = [key for key, _ in options]
        width = max(len(k) for k in keys)
        for i, (key, label) in enumerate(options, start=1):
            self.con.print(Text(f"  {i:>2}. {key.ljust(width)}  {label}"))

        def pick(answer: str) -> str | None:
            answer = answer.strip()
            if answer.isdigit() and 1 <= int(answer) <= len(keys):
                return keys[int(answer) - 1]
            return answer if answer in keys else None

        def check(answer: str) -> str | None:
            if pick(answer) is None:
                return tr("type a number from the list (1 to {n}) or one of the names").format(n=len(keys))
            return None

        answer = self.ask(tr("Your choice"), check, default=default)
        chosen = pick(answer)
        assert chosen is not None  # checked above
        return chosen


def render_created(rel: str, problems: list[Diagnostic]) -> None:
    """What was written, any problem left, and what to do next."""
    from rich.text import Text

    con = console()
    con.print(Text(tr("created {path}").format(path=rel), style="green"))
    if problems:
        print_diagnostics(problems)
        con.print(Text(tr("fix the problems above, then run: pmcpost validate {path}").format(path=rel)))
        return
    con.print(
        Text(
            tr(
                "It validates. Preview it with: pmcpost preview {path}\n"
                "Then open a pull request and ask for approval as the file says: the approver adds approved_by."
            ).format(path=rel)
        )
    )
