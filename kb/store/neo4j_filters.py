"""The filter language of kb.store.query compiled to a parameterised Cypher condition.

The Neo4j store lists ``MATCH (n:Label) WHERE <condition>`` instead of reading every node of
a class and testing it in Python. Every value the client gave is a parameter; the only names
spliced into the text are relationship types of the registry (allow-listed, back-quoted) and
variable names this module makes. Property names are parameters too (``n[$p]``).

The condition means what :class:`kb.store.query.Matcher` means on the same data: values compare
by type (text with text, numbers with numbers, true/false only for equality), text ignoring case,
``name`` also matching aliases, a relationship filter counting distinct far ends. One difference:
Cypher has no accent folding, so text folds the query's accents but only the case of the stored
value ("Bé" finds "Bé" and "BÉ", "Be" does not find "Bé" as it does in the memory store).
"""

from __future__ import annotations

from typing import Any

from kb.identity import fold
from kb.ontology import ontology
from kb.store.neo4j_model import stored_rel_types
from kb.store.query import And, Cond, Filter, HasRelation, Not, Or

_TEXT_OPS = {
    "eq": "=",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
    "contains": "CONTAINS",
    "startsWith": "STARTS WITH",
}
_NUMBER_OPS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def compile_filter(flt: Filter, var: str = "n") -> tuple[str, dict[str, Any]]:
    """(Cypher boolean expression over ``var``, its parameters)."""
    c = _Compiler()
    return c.expr(flt, var), c.params


class _Compiler:
    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self.vars = 0

    def param(self, value: Any) -> str:
        name = f"f{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def expr(self, flt: Filter, v: str) -> str:
        if isinstance(flt, And | Or):
            if not flt.items:
                return "true" if isinstance(flt, And) else "false"
            joiner = " AND " if isinstance(flt, And) else " OR "
            return "(" + joiner.join(self.expr(f, v) for f in flt.items) + ")"
        if isinstance(flt, Not):
            return f"(NOT {self.expr(flt.item, v)})"
        if isinstance(flt, HasRelation):
            return self.related(flt, v)
        return self.cond(flt, v)

    def related(self, rel: HasRelation, v: str) -> str:
        if rel.min_count <= 0:
            return "true"
        if rel.rel_type not in stored_rel_types():
            return "false"  # not a relation the store holds between entities
        self.vars += 1
        m = f"m{self.vars}"
        t = f"[:`{rel.rel_type}`]"
        pattern = {"out": f"({v})-{t}->({m}:Entity)", "in": f"({v})<-{t}-({m}:Entity)"}.get(
            rel.direction, f"({v})-{t}-({m}:Entity)"
        )
        where = f" WHERE {self.expr(rel.where, m)}" if rel.where is not None else ""
        if rel.min_count == 1:
            return f"EXISTS {{ MATCH {pattern}{where} }}"
        return f"COUNT {{ MATCH {pattern}{where} RETURN DISTINCT {m} }} >= {self.param(rel.min_count)}"

    def values(self, field: str, v: str) -> str | None:
        """A list expression of the field's values (None: a field no entity has)."""
        if field in ("id", "type"):
            return f"[{v}.{field}]"
        if field == "name":
            return f"[{v}.name] + coalesce({v}.aliases, [])"
        if field == "aliases":
            return f"coalesce({v}.aliases, [])"
        if field not in ontology().properties:
            return None
        p = f"{v}[{self.param(field)}]"
        return f"CASE WHEN {p} IS NULL THEN [] WHEN {p} IS :: LIST<ANY> THEN {p} ELSE [{p}] END"

    def cond(self, cond: Cond, v: str) -> str:
        vals = self.values(cond.field, v)
        if cond.op == "exists":
            want = bool(cond.value if cond.value is not None else True)
            return ("true" if not want else "false") if vals is None else f"(size({vals}) > 0) = {str(want).lower()}"
        if vals is None:
            return "false"
        wanted = list(cond.value) if cond.op == "in" and isinstance(cond.value, list | tuple) else [cond.value]
        op = "eq" if cond.op == "in" else cond.op
        tests = []
        texts = [w for w in wanted if isinstance(w, str)]
        numbers = [w for w in wanted if isinstance(w, int | float) and not isinstance(w, bool)]
        bools = [w for w in wanted if isinstance(w, bool)]
        if texts and op in _TEXT_OPS:
            # the query's text folded (case and accents), and only lowered (stored accents kept)
            forms = sorted({fold(w) for w in texts} | {w.strip().lower() for w in texts})
            x = "toLower(trim(x))"
            if op == "eq":
                tests.append(f"(x IS :: STRING AND {x} IN {self.param(forms)})")
            else:
                alts = " OR ".join(f"{x} {_TEXT_OPS[op]} {self.param(f)}" for f in forms)
                tests.append(f"(x IS :: STRING AND ({alts}))")
        if numbers and op in _NUMBER_OPS:
            num = "(x IS :: INTEGER OR x IS :: FLOAT)"
            rhs = f"IN {self.param(numbers)}" if op == "eq" else f"{_NUMBER_OPS[op]} {self.param(numbers[0])}"
            tests.append(f"({num} AND x {rhs})")
        if bools and op == "eq":
            tests.append(f"(x IS :: BOOLEAN AND x IN {self.param(bools)})")
        if not tests:
            return "false"
        return f"any(x IN {vals} WHERE {' OR '.join(tests)})"
