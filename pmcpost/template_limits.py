"""What one rendering of a user template may cost: the size of its output and of every text or list it makes,
how often its loops run, and how long it takes.

Templates are written by anyone who can open a pull request, and ``{{ 'a' * 10**9 }}`` or nested
``range(100000)`` loops would otherwise run out of memory or run for hours. ``LimitedSandbox`` is Jinja's
immutable sandbox with checks where sizes and work can explode: the operators ``*``, ``**``, ``%``, ``+`` and
``~``, the filters and string methods that widen or repeat text, every call, every loop iteration and every
piece of output. The checks act only inside ``render_limited``; elsewhere the environment behaves exactly
like Jinja's own. A limit ends the rendering with ``TemplateLimitError``, raised where the template is, so
the error names the template line.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from types import GeneratorType, MappingProxyType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import LoopContext, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

_NOTHING: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class RenderLimits:
    """The most one rendering may produce, iterate and take."""

    # Facebook takes 63,206 characters and the website 1,000,000: no post needs more.
    chars: int = 1_000_000
    iterations: int = 1_000_000
    seconds: float = 5.0
    power_bits: int = 4096  # ** gives numbers up to 2**4096 (1,234 digits)


class TemplateLimitError(jinja2.TemplateRuntimeError):
    """A template went past one of the RenderLimits."""


class _Budget:
    __slots__ = ("chars_left", "deadline", "iterations", "limits")

    def __init__(self, limits: RenderLimits) -> None:
        self.limits = limits
        self.chars_left = limits.chars
        self.iterations = 0
        self.deadline = time.monotonic() + limits.seconds


_FORMAT_NUMBER = re.compile(r"%[-#0 +]*(\d*)(?:\.(\d*))?")
_BRACE_NUMBER = re.compile(r"\d+")


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with RenderLimits enforced while ``render_limited`` runs."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget: _Budget | None = None
        self._globals: dict[jinja2.Template, dict[str, Any]] = {}
        self.filters = {name: self._checked_filter(name, f) for name, f in self.filters.items()}
        # Filters, not calls: Jinja binds a filter once per template, where a call goes through the sandbox's
        # checks every time.
        self.filters[_COUNTED] = self.counted
        self.filters[_JOINED] = self.joined

    # -- the budget ------------------------------------------------------------------------------------------
    def _fail(self, problem: str) -> None:
        raise TemplateLimitError(problem)

    def _tick(self, budget: _Budget) -> None:
        if time.monotonic() > budget.deadline:
            self._fail(f"the template ran longer than {budget.limits.seconds:g} seconds")

    def _size(self, value: Any, what: str) -> Any:
        budget = self.budget
        if budget is not None and isinstance(value, (str, list, tuple, dict)) and len(value) > budget.limits.chars:
            self._fail(f"{what} would make {_kind(value)} of {len(value):,} (at most {budget.limits.chars:,})")
        return value

    def _expect(self, size: int, what: str) -> None:
        """Refuse before doing work that would make something of ``size`` characters or items."""
        budget = self.budget
        if budget is not None and size > budget.limits.chars:
            self._fail(f"{what} would make {size:,} characters or items (at most {budget.limits.chars:,})")

    def concat(self, pieces: Iterable[str]) -> str:
        """Joins what ``{% set %}`` blocks, macros and filter blocks capture: checked before it is joined."""
        budget = self.budget
        if budget is not None:
            pieces = pieces if isinstance(pieces, list) else list(pieces)
            if sum(map(len, pieces)) > budget.limits.chars:
                self._fail(f"the template's output is longer than {budget.limits.chars:,} characters")
        return "".join(pieces)

    def counted(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """Every ``{% for %}`` loops over this: counts the iterations and watches the clock."""
        budget = self.budget
        if budget is not None and isinstance(iterable, (list, tuple)) and len(iterable) <= _SHORT_LOOP:
            # The languages, the hashtags: counted at once, without a generator step per item. A loop this short
            # cannot run long unless its body does, and what the body calls or loops over watches the clock.
            budget.iterations += len(iterable)
            if budget.iterations > budget.limits.iterations:
                self._fail(f"the template's loops ran more than {budget.limits.iterations:,} times")
            if time.monotonic() > budget.deadline:
                self._tick(budget)
            return iter(iterable)
        return self._counting(iterable)

    def _counting(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            budget = self.budget
            if budget is not None:
                budget.iterations += 1
                if budget.iterations > budget.limits.iterations:
                    self._fail(f"the template's loops ran more than {budget.limits.iterations:,} times")
                if time.monotonic() > budget.deadline:
                    self._tick(budget)
            yield item

    @jinja2.pass_context
    def joined(self, context: jinja2.runtime.Context, *parts: Any) -> str:
        """The ``~`` operator, as a filter on its first operand."""
        joined = (markup_join if context.eval_ctx.autoescape else str_join)(parts)
        return self._size(joined, "'~'")  # type: ignore[no-any-return]

    def context_for(
        self, template: jinja2.Template, variables: Mapping[str, Any], more: Mapping[str, Any] = _NOTHING
    ) -> jinja2.runtime.Context:
        """``template.new_context({**variables, **more})``, without merging the template's layered globals again
        for every rendering: Jinja allows changing globals only before templates are loaded, so the merge is
        kept. The context is not told which of its names are globals: Jinja asks that only when a template
        imports another whose globals lack some of the importer's, and every template here has the
        environment's globals alone (none is loaded with globals of its own). Listing them cost a set per post."""
        merged = self._globals.get(template)
        if merged is None:
            merged = self._globals[template] = dict(template.globals)
        return self.context_class(self, {**merged, **variables, **more}, template.name, template.blocks)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Two look-ups every post template makes, answered as the sandbox answers them, without its checks:
        # a key of a plain dict that is no dict attribute (``department.name``), and the loop's public
        # properties (``loop.first``), which the sandbox always allows.
        kind = type(obj)
        if kind is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        if kind is LoopContext and attribute in _LOOP_ATTRIBUTES:
            return getattr(obj, attribute)
        return super().getattr(obj, attribute)

    # -- where templates compute -----------------------------------------------------------------------------
    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = _Counting().visit(super()._parse(source, name, filename))
        assert isinstance(tree, nodes.Template)
        return tree

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if self.budget is not None:
            self._check_binop(operator, left, right)
        return self._size(super().call_binop(context, operator, left, right), f"'{operator}'")

    def _check_binop(self, operator: str, left: Any, right: Any) -> None:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and _is_int(times):
                    self._expect(len(seq) * max(times, 0), "'*'")
        elif operator == "**" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
            bits = (abs(left).bit_length() - 1) * right
            assert self.budget is not None
            if bits > self.budget.limits.power_bits:
                self._fail(f"'**' would make a number of more than {self.budget.limits.power_bits:,} bits")
        elif operator == "%" and isinstance(left, str):
            self._check_printf(left, right)

    def _check_printf(self, spec: str, args: Any) -> None:
        widths = [int(n) for m in _FORMAT_NUMBER.finditer(spec) for n in m.groups() if n]
        if "*" in spec:
            widths += [a for a in (args if isinstance(args, tuple) else (args,)) if _is_int(a)]
        self._expect(max(widths, default=0) + len(spec), "'%'")

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if __self.budget is not None:
            __self._tick(__self.budget)
            owner = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
            if isinstance(owner, str):
                __self._check_str_method(owner, getattr(__obj, "__name__", ""), args, kwargs)
        return __self._size(super().call(__context, __obj, *args, **kwargs), "a call")

    def _check_str_method(self, text: str, method: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
        if method == "replace" and len(args) >= 2:
            self._check_replace(text, args[0], args[1], args[2] if len(args) > 2 else -1)
        elif method in ("center", "ljust", "rjust", "zfill") and args and _is_int(args[0]):
            self._expect(args[0], f"str.{method}")
        elif method == "expandtabs":
            size = args[0] if args and _is_int(args[0]) else 8
            self._expect(len(text) + text.count("\t") * size, "str.expandtabs")
        elif method == "join" and args and isinstance(args[0], (list, tuple)):
            self._expect(_joined_size(args[0], text), "str.join")
        elif method in ("format", "format_map"):
            widths = [int(n) for n in _BRACE_NUMBER.findall(text)]
            self._expect(max(widths, default=0) + len(text), f"str.{method}")

    def _check_replace(self, text: str, old: Any, new: Any, count: Any) -> None:
        if isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
            found = text.count(old) if old else len(text) + 1
            if _is_int(count) and count >= 0:
                found = min(found, count)
            self._expect(len(text) + found * (len(new) - len(old)), "replace")

    def _checked_filter(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function`` refusing to make more than the limit (checked first where it multiplies)."""
        passes = getattr(function, "jinja_pass_arg", None)
        skip = 0 if passes is None else 1  # the context, eval context or environment comes first
        what = f"the {name} filter"
        widens = name in _WIDENING_FILTERS

        @wraps(function)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if widens and self.budget is not None:
                self._check_filter(name, args[skip:], kwargs)
            return self._size(function(*args, **kwargs), what)

        return checked

    def _check_filter(self, name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
        value = args[0] if args else None
        rest = list(args[1:])
        if name == "replace" and isinstance(value, str) and len(rest) >= 2:
            self._check_replace(value, rest[0], rest[1], rest[2] if len(rest) > 2 else kwargs.get("count"))
        elif name == "center":
            width = rest[0] if rest else kwargs.get("width", 80)
            if _is_int(width):
                self._expect(width, "the center filter")
        elif name == "indent" and isinstance(value, str):
            width = rest[0] if rest else kwargs.get("width", 4)
            size = width if _is_int(width) else len(str(width))
            self._expect(len(value) + (value.count("\n") + 1) * size, "the indent filter")
        elif name == "join" and isinstance(value, (list, tuple)):
            separator = rest[0] if rest else kwargs.get("d", "")
            self._expect(_joined_size(value, str(separator)), "the join filter")
        elif name == "format" and isinstance(value, str):
            self._check_printf(value, tuple(rest))


def render_limited(
    template: jinja2.Template, context: Mapping[str, Any], limits: RenderLimits, more: Mapping[str, Any] = _NOTHING
) -> str:
    """``template.render({**context, **more})``, stopped with TemplateLimitError (raised at the template line at
    fault) when it goes past ``limits``. The template's environment must be a LimitedSandbox."""
    env = template.environment
    assert isinstance(env, LimitedSandbox)
    outer = env.budget
    env.budget = _Budget(limits)
    try:
        context_ = env.context_for(template, context, more)
        chunks = template.root_render_func(context_)
        assert isinstance(chunks, GeneratorType)  # the concrete type: the ABC check is slower, and this runs per post
        pieces: list[str] = []
        append = pieces.append
        size, most = 0, limits.chars
        try:
            for chunk in chunks:
                append(chunk)
                size += len(chunk)
                if size > most:
                    # Thrown into the template where it stands, so the error names its line.
                    too_long = f"the template's output is longer than {limits.chars:,} characters"
                    chunks.throw(TemplateLimitError(too_long))
        except Exception:
            env.handle_exception()  # raises, with the traceback pointing at template lines as Template.render does
        return "".join(pieces)
    finally:
        env.budget = outer


class _Counting(NodeTransformer):
    """Loops iterate through ``LimitedSandbox.counted``; ``a ~ b`` becomes ``LimitedSandbox.joined(a, b)``."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _filter(_COUNTED, [node.iter], node.iter.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _filter(_JOINED, node.nodes, node.lineno)


_SHORT_LOOP = 64  # items of a list or tuple counted at once by LimitedSandbox.counted
_WIDENING_FILTERS = frozenset({"replace", "center", "indent", "join", "format"})  # checked before they run
_DICT_ATTRIBUTES = frozenset(dir(dict))
_LOOP_ATTRIBUTES = frozenset(name for name in dir(LoopContext) if not name.startswith("_"))
_COUNTED = "_pmcpost_counted"
_JOINED = "_pmcpost_joined"


def _filter(name: str, args: Sequence[nodes.Node], lineno: int) -> nodes.Filter:
    first, *rest = [a for a in args if isinstance(a, nodes.Expr)]
    return nodes.Filter(first, name, rest, [], None, None, lineno=lineno)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _joined_size(items: list[Any] | tuple[Any, ...], separator: str) -> int:
    return sum(len(item) if isinstance(item, str) else 1 for item in items) + len(separator) * max(len(items) - 1, 0)


def _kind(value: Any) -> str:
    return "a text" if isinstance(value, str) else f"a {type(value).__name__}"
