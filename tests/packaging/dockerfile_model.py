"""A small Dockerfile reader: stages, instructions and argument expansion.

It understands what the project's Dockerfile uses (comments, line
continuations, ARG defaults before the first FROM, JSON-form CMD) and is no
general parser of the Dockerfile language.
"""

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Instruction:
    """One instruction, with its keyword in upper case and the rest as written."""

    keyword: str
    arguments: str
    line: int

    def flags(self) -> dict[str, str]:
        """Return the leading --name=value flags, such as COPY --from=builder."""
        found: dict[str, str] = {}
        for word in shlex.split(self.arguments):
            if not word.startswith("--"):
                break
            name, _, value = word[2:].partition("=")
            found[name] = value
        return found

    def without_flags(self) -> str:
        """Return the arguments after the leading --name=value flags."""
        return re.sub(r"^(\s*--\S+\s+)*", "", self.arguments)

    def json_array(self) -> list[str]:
        """Return the exec form ["a", "b"] of CMD or HEALTHCHECK ... CMD as a list."""
        text = self.arguments
        if self.keyword == "HEALTHCHECK":
            text = text.split(" CMD ", 1)[1]
        value = json.loads(text)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"line {self.line}: {self.keyword} is not a JSON array")
        return value


@dataclass
class Stage:
    """The instructions from one FROM up to the next."""

    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        """Return the stage's instructions with this keyword, in order."""
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction:
        """Return the stage's last instruction with this keyword."""
        found = self.all(keyword)
        if not found:
            raise LookupError(f"stage {self.name or self.base} has no {keyword}")
        return found[-1]


def read_instructions(text: str) -> list[Instruction]:
    """Split Dockerfile text into instructions, joining continued lines.

    As in Docker, comment lines are dropped, also inside a continued instruction.
    """
    instructions: list[Instruction] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        pending += stripped
        keyword, _, arguments = pending.partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip(), start))
        pending = ""
    return instructions


def expand(text: str, variables: dict[str, str]) -> str:
    """Replace $NAME and ${NAME} with values from variables; leave unknown ones."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return variables.get(name, match.group(0))

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, text)


def read_stages(path: Path) -> list[Stage]:
    """Read a Dockerfile into stages, with global ARG defaults expanded in FROM."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for instruction in read_instructions(path.read_text()):
        if instruction.keyword == "ARG" and not stages:
            name, _, default = instruction.arguments.partition("=")
            global_args[name] = default
        elif instruction.keyword == "FROM":
            words = expand(instruction.arguments, global_args).split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        elif not stages:
            raise ValueError(
                f"line {instruction.line}: {instruction.keyword} before FROM"
            )
        else:
            stages[-1].instructions.append(instruction)
    return stages


def environment(stage: Stage, base: dict[str, str]) -> dict[str, str]:
    """Return base updated by the stage's ENV instructions, expanding $NAME."""
    env = dict(base)
    for instruction in stage.all("ENV"):
        for pair in shlex.split(instruction.arguments):
            name, _, value = pair.partition("=")
            env[name] = expand(value, env)
    return env
