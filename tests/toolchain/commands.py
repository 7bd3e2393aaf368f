"""What an entry point really runs, read from the code it runs and not from tools/system-packages.txt: the external
commands of every shell script and Python module it reaches (the Makefile's recipes as `make -n` prints them, the
scripts and modules those name or import, and so on), and for each command the Debian package that dpkg says
installed it. The table's check holds it against this.

Reading is conservative where it must guess: every command of a script counts for every entry point that reaches
the script, and every module an entry point imports counts whole."""
import ast
import functools
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import ROOT

RUNNERS = {"run", "Popen", "call", "check_call", "check_output", "start"}
"""Functions whose list argument is a command line: subprocess's, and localcluster.processes' run and start."""
REPO_PACKAGES = ("bench", "django_observability", "localcluster", "localrun", "policy", "tests", "tools")
BASH_WORDS = frozenset(subprocess.run(["bash", "-c", "compgen -b; compgen -k"], capture_output=True, text=True,
                                      check=True).stdout.split())
WRAPPERS = {"exec", "command", "sudo", "env", "setsid", "nohup", "nsenter", "unshare", "timeout", "xargs", "flock",
            "nice", "time", "stdbuf"}
"""Commands that run the command after their options: that one counts too (not chroot, whose command runs inside
the image's root filesystem)."""
NOT_NEEDED = {"sudo": "run only when the caller is not root, to become root; a caller who is not root has it",
              "make": "runs the entry point itself: whoever types `make …` has it"}
"""Commands the scripts name that no entry point needs installed, each with the reason."""
OPERATORS = ("&&", "||", ";;", "|&", "<<<", ">>", ">&", "<&", "&>", "<(", ">(", "|", ";", "&", "(", ")", "<", ">")
STARTS = {"&&", "||", ";;", "|&", "|", ";", "&", "(", "<(", ">(", "{", "}", "\n", "then", "do", "else", "elif", "if",
          "while", "until", "!", "time"}
REDIRECTS = {">", ">>", "<", ">&", "<&", "&>", "<<<"}


@dataclass
class Reach:
    """Everything one entry point reaches: each command with the file that runs it, and the files read (each with
    the file that reached it)."""
    commands: dict[str, set[str]] = field(default_factory=dict)
    files: dict[Path, Path | None] = field(default_factory=dict)

    def add(self, command: str, where: Path | str) -> None:
        self.commands.setdefault(command, set()).add(str(where))


# ---------------------------------------------------------------- shell

def _strip_heredocs(text: str) -> str:
    """A here-document's body is data for its command (a Python script, a config file), not commands."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        match = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", line.replace("<<<", "   "))
        if match:
            end = match.group(1)
            i += 1
            while i < len(lines) and lines[i].strip() != end:
                i += 1
        i += 1
    return "\n".join(out)


def _substitutions(text: str) -> tuple[str, list[str]]:
    """Every `$( … )` cut out (each scanned on its own) and `$(( … ))` / `(( … ))` arithmetic dropped."""
    inner, out, i = [], [], 0
    while i < len(text):
        if text.startswith("$((", i) or (text.startswith("((", i) and (i == 0 or text[i - 1] in " \t\n;(")):
            start = i + (3 if text[i] == "$" else 2)
            depth, j = 2, start
            while j < len(text) and depth:
                if text.startswith("$(", j) and not text.startswith("$((", j):
                    close = _balanced(text, j + 2)
                    inner.append(text[j + 2:close])
                    j = close + 1
                    continue
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
            out.append(" ARITHMETIC ")
            i = j
        elif text.startswith("$(", i):
            close = _balanced(text, i + 2)
            inner.append(text[i + 2:close])
            out.append("SUBSTITUTION")
            i = close + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out), inner


def _balanced(text: str, start: int) -> int:
    """The index of the `)` that closes a `$(` whose body starts at `start` (quotes respected)."""
    depth, i, quote = 1, start, None
    while i < len(text):
        char = text[i]
        if quote:
            if char == quote:
                quote = None
            elif char == "\\" and quote == '"':
                i += 1
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or text[i - 1] in " \t\n"):
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text)


def _tokens(text: str) -> list[str]:
    lexer = shlex.shlex(text.replace("\\\n", " "), posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace = " \t"
    lexer.whitespace_split = True
    lexer.commenters = "#"
    words = []
    try:
        for token in lexer:
            if token and set(token) <= set(";&|()<>"):
                while token:
                    op = next(op for op in OPERATORS if token.startswith(op))
                    words.append(op)
                    token = token[len(op):]
            else:
                words.append(token)
    except ValueError:  # an unbalanced quote in a fragment: what was read so far counts
        pass
    return words


INTERPRETERS = {"bash", "sh", "python", "python3", "source", "."}
"""Commands whose first argument is a script they run (or source)."""


def shell_commands(text: str) -> tuple[list[str], list[str], list[str]]:
    """The words in command position of a shell text (wrappers followed), the scripts it runs through an
    interpreter or sources, and the bodies of its substitutions and `bash -c` scripts (to be read the same way)."""
    flat, nested = _substitutions(_strip_heredocs(text))
    words = _tokens(flat.replace("\\\n", " ").replace("\n", " \n "))
    commands, scripts, i, at_start, in_pattern = [], [], 0, True, False
    while i < len(words):
        word = words[i]
        if in_pattern:  # the patterns of a case branch, up to its `)`
            if word == "esac":
                in_pattern = False
            elif word == ")":
                in_pattern, at_start = False, True
        elif word == "case":
            while i < len(words) and words[i] != "in":
                i += 1
            in_pattern = True
        elif word == ";;":
            in_pattern = True
        elif word in ("for", "select"):
            while i < len(words) and words[i] not in (";", "\n", "do"):
                i += 1
            continue
        elif word in STARTS:
            at_start = True
        elif word in REDIRECTS:
            i += 1  # the file it redirects to
        elif at_start:
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=.*", word, re.S):
                if word.endswith("=") and i + 1 < len(words) and words[i + 1] == "(":  # NAME=( array words )
                    i = words.index(")", i) if ")" in words[i:] else len(words)
            elif word == "[[" or word == "esac":
                at_start = False
            elif i + 2 < len(words) and words[i + 1] == "(" and words[i + 2] == ")":
                i += 3  # a function definition: NAME() { ... }
                continue
            else:
                commands.append(word)
                at_start = False
                if word in WRAPPERS:
                    i, at_start = _skip_options(words, i + 1, word), True
                    continue
                if word in INTERPRETERS:
                    j = i + 1
                    while j < len(words) and words[j].startswith("-") and words[j] not in ("-c", "-ec", "-m"):
                        j += 1
                    if j + 1 < len(words) and re.fullmatch(r"-[a-z]*c", words[j]):
                        if word in ("bash", "sh"):  # python3 -c runs Python, which runs no command here
                            nested.append(words[j + 1])
                    elif j < len(words) and words[j] not in STARTS and not words[j].startswith("-"):
                        scripts.append(words[j])
        i += 1
    return commands, scripts, nested


def _skip_options(words: list[str], i: int, wrapper: str) -> int:
    """The index of the command a wrapper runs: past its options (and their values) and a `--`."""
    takes_value = {"xargs": {"-P", "-L", "-n", "-I", "-d", "-s"}, "timeout": {"-s", "-k"}, "sudo": {"-u", "-g"},
                   "flock": {"-w", "-E"}, "unshare": {"--propagation"}}.get(wrapper, set())
    while i < len(words):
        word = words[i]
        if word == "--":
            return i + 1
        if wrapper == "command" and word in ("-v", "-V"):
            return len(words)
        if word in takes_value:
            i += 2
        elif word.startswith("-") or (wrapper == "env" and "=" in word) or (
                wrapper in ("timeout", "flock") and re.fullmatch(r"[\d.]+[smh]?", word)) or (
                wrapper == "exec" and re.fullmatch(r"\d*[<>]&?.*", word)):
            i += 1
        else:
            return i
    return i


def functions_in(text: str) -> set[str]:
    return set(re.findall(r"^\s*([A-Za-z_][\w-]*)\s*\(\)\s*\{", text, re.M))


def runnable(path: Path) -> bool:
    """A file of the repository that runs: a shell script or a Python module (data files, docs and sourced
    KEY=value files do not)."""
    return (ROOT in path.parents and str(path.relative_to(ROOT)) in tracked() and
            (path.suffix in (".sh", ".py") or (not path.suffix and os.access(path, os.X_OK))))


@functools.cache
def tracked() -> frozenset[str]:
    return frozenset(subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                                    capture_output=True, text=True, check=True).stdout.splitlines())


def resolve(word: str, script_dir: Path) -> Path | None:
    """The repository file a command word names ($root/…, $here/…, $(dirname "$0")/…, or relative)."""
    for variable in ("$root", "${root}", "$(ROOT)", "$(CURDIR)"):
        word = word.replace(variable, str(ROOT))
    for variable in ("$here", "${here}", "SUBSTITUTION"):
        word = word.replace(variable, str(script_dir))
    if "$" in word or not word:
        return None
    for base in (script_dir, ROOT):
        candidate = (base / word).resolve()
        if candidate.is_file() and runnable(candidate):
            return candidate
    return None


def python_modules(text: str) -> set[Path]:
    """The repository modules a shell text runs with `python -m`."""
    found = set()
    for dotted in re.findall(r"python3?\)?\s+(?:-\w+\s+)*-m\s+([\w.]+)", without_comments(text)):
        module = module_file(dotted, main=True)
        if module:
            found.add(module)
    return found


def without_comments(text: str) -> str:
    """Shell text without its comments (a `#` that starts a word, outside quotes)."""
    out = []
    for line in text.splitlines():
        quote, kept = None, []
        for index, char in enumerate(line):
            if quote:
                quote = None if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#" and (index == 0 or line[index - 1] in " \t;"):
                break
            kept.append(char)
        out.append("".join(kept))
    return "\n".join(out)


def read_shell(text: str, script_dir: Path) -> tuple[set[str], set[Path]]:
    """A shell text's commands and the repository files it runs, its substitutions and `bash -c` bodies included."""
    commands, files, pending = set(), python_modules(text), [text]
    while pending:
        words, scripts, nested = shell_commands(pending.pop())
        for word in words + scripts:
            path = resolve(word, script_dir)
            if path:
                files.add(path)
            elif word not in scripts:
                commands.add(word)
        pending += nested
    return commands, files


# ---------------------------------------------------------------- Python

def module_file(dotted: str, main: bool = False) -> Path | None:
    """The repository file of a module (a package's __main__.py when it is run with -m)."""
    if dotted.split(".")[0] not in REPO_PACKAGES:
        return None
    path = ROOT.joinpath(*dotted.split("."))
    for candidate in ([path / "__main__.py"] if main else []) + [path.with_suffix(".py"), path / "__init__.py"]:
        if candidate.is_file():
            return candidate
    return None


def python_reach(path: Path) -> tuple[set[str], set[Path]]:
    """The commands a Python file runs (the first word of every argv list, `require_binary` and `shutil.which`
    names) and the repository files it imports, runs with -m or names as a path."""
    tree = ast.parse(path.read_text(), str(path))
    commands, files = set(), set()
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                files |= _module_and_parents(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            files |= _module_and_parents(base)
            for alias in node.names:
                files |= _module_and_parents(f"{base}.{alias.name}")
        elif isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name.split(".")[-1] in RUNNERS:
                for argv in (arg for arg in node.args if isinstance(arg, ast.List)):
                    commands |= _argv_command(argv, files)
            if name.endswith("require_binary") or name == "shutil.which":
                commands |= {arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)}
        elif (isinstance(node, ast.Assign) and isinstance(node.value, ast.List)
              and any(re.search(r"argv|command", ast.unparse(target)) for target in node.targets)):
            commands |= _argv_command(node.value, files)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
              and re.fullmatch(r"[\w.-]+(/[\w.-]+)*/?", node.value) and ("/" in node.value or node.value.endswith(".sh"))):
            for candidate in (ROOT / node.value, ROOT / "tools" / node.value):
                if candidate.is_file() and runnable(candidate):
                    files.add(candidate.resolve())
                elif candidate.is_dir() and "/" in node.value.strip("/"):  # a folder of scripts, e.g. tools/swarm
                    files.update(p.resolve() for p in candidate.iterdir() if p.is_file() and runnable(p.resolve()))
    return commands, files


def _argv_command(argv: ast.List, files: set[Path]) -> set[str]:
    elements = argv.elts
    for index, element in enumerate(elements[:-1]):  # [python, "-m", "module", ...]
        if isinstance(element, ast.Constant) and element.value == "-m" and isinstance(elements[index + 1], ast.Constant):
            module = module_file(str(elements[index + 1].value), main=True)
            if module:
                files.add(module)
    first = elements[0] if elements else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str) and re.fullmatch(r"[a-z][\w.+-]*", first.value):
        return {first.value}
    return set()


def _module_and_parents(dotted: str) -> set[Path]:
    parts, found = dotted.split("."), set()
    for end in range(1, len(parts) + 1):
        module = module_file(".".join(parts[:end]))
        if module:
            found.add(module.resolve())
    return found


# ---------------------------------------------------------------- entry points

def entry_sources(entry: str) -> tuple[str, set[Path]]:
    """The shell text an entry point starts with (a make goal's recipes, all prerequisites included) and the
    files it starts in."""
    if entry.startswith("make "):
        recipes = subprocess.run(["make", "--no-print-directory", "-n", "-B", entry.split()[1]], cwd=ROOT,
                                 capture_output=True, text=True, check=True, env={**os.environ, "MAKEFLAGS": ""}).stdout
        return recipes, _pytest_files(recipes)
    if entry.startswith("python -m "):
        return "", {module_file(entry.split()[2], main=True)}
    return "", {(ROOT / entry).resolve()}


def _pytest_files(recipes: str) -> set[Path]:
    """What `python -m pytest [PATH...]` collects: every test module and conftest under its paths."""
    found = set()
    for line in recipes.splitlines():
        match = re.search(r"-m pytest(.*)", line)
        if match:
            paths = [word for word in match.group(1).split() if not word.startswith("-")] or ["tests"]
            for base in paths:
                found.update(p.resolve() for p in (ROOT / base).rglob("*.py") if p.name.startswith(("test_", "conftest")))
    return found


def reach(entry: str) -> Reach:
    text, start = entry_sources(entry)
    result = Reach()
    functions: set[str] = set()
    commands, files = read_shell(text, ROOT)
    for command in commands:
        result.add(command, "Makefile")
    todo = [(path, None) for path in sorted(start | files)]
    while todo:
        path, parent = todo.pop()
        if path in result.files:
            continue
        result.files[path] = parent
        if path.suffix == ".py":
            commands, files = python_reach(path)
        else:
            source = path.read_text()
            functions |= functions_in(source)
            commands, files = read_shell(source, path.parent)
        for command in commands:
            result.add(command, path.relative_to(ROOT))
        todo += [(file, path) for file in sorted(files) if file not in result.files]
    for name in list(result.commands):
        if name in functions or name in BASH_WORDS or name in ("ARITHMETIC", "SUBSTITUTION") or not re.fullmatch(
                r"/?[A-Za-z][\w./+-]*", name) or ("/" in name and not name.startswith("/")):
            del result.commands[name]
    return result


# ---------------------------------------------------------------- Debian

@dataclass(frozen=True)
class Needs:
    """What an entry point's commands need: Debian packages (with the commands that need each) and commands that
    nothing installed here provides (their package cannot be asked of dpkg, so the table must name them)."""
    packages: dict[str, set[str]]
    uninstalled: dict[str, set[str]]


def needs(entry: str) -> Needs:
    found = reach(entry)
    built = built_binaries()
    packages: dict[str, set[str]] = {}
    uninstalled: dict[str, set[str]] = {}
    paths = {command: command if command.startswith("/") and os.path.exists(command) else shutil.which(command)
             for command in found.commands if command not in NOT_NEEDED}
    owners = _owners({path for path in paths.values() if path} | {os.path.realpath(p) for p in paths.values() if p})
    for command, path in sorted(paths.items()):
        where = found.commands[command]
        if path is None:
            if command not in built:
                uninstalled[command] = where
            continue
        package = owners.get(os.path.realpath(path)) or owners.get(path)
        if package and not always_installed(package):
            packages.setdefault(package, set()).add(f"{command} ({', '.join(sorted(where))})")
    return Needs(packages, uninstalled)


@functools.cache
def built_binaries() -> frozenset[str]:
    """The binaries the project builds itself (tools/go-tool.sh's units, the engine, the venv's commands)."""
    text = (ROOT / "tools/go-tool.sh").read_text()
    units = re.search(r'UNITS="\n(.*?)\n"', text, re.S).group(1)
    names = {name for line in units.splitlines() if line for name in line.split("|")[-1].split()}
    return frozenset(names | {"pulumi", "pulumi-language-python", "pulumi-resource-kubernetes", "python", "pip",
                              "pytest", "kubernetes-validate", "checkov", "gunicorn"})


def _owners(paths: set[str]) -> dict[str, str]:
    """The Debian package that installed each path, as dpkg knows it (usrmerge: /usr/bin/x may be registered as
    /bin/x); paths no package installed are left out."""
    variants = {variant: path for path in paths for variant in (path, re.sub(r"^/usr/", "/", path))}
    listed = subprocess.run(["dpkg", "-S", *sorted(variants)], capture_output=True, text=True).stdout
    owners = {}
    for line in listed.splitlines():
        package, _, registered = line.partition(": ")
        if registered in variants:
            owners.setdefault(variants[registered], package.split(",")[0].split(":")[0].strip())
    return owners


@functools.cache
def always_installed(package: str) -> bool:
    """Essential and required packages are on every Debian system; an entry point never needs to install them."""
    fields = subprocess.run(["dpkg-query", "-W", "-f", "${Essential} ${Priority}", package], capture_output=True,
                            text=True).stdout.split()
    return "yes" in fields[:1] or "required" in fields[1:]


def package_commands(package: str) -> set[str]:
    """Every command a package installs into a folder of PATH (what hiding it from PATH hides)."""
    listed = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True).stdout.splitlines()
    folders = {"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"}
    return {os.path.basename(p) for p in listed if os.path.dirname(p) in folders}
