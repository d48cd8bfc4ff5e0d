"""An import-linter contract for bounded contexts: they reach each other only through ``public``.

A module of context X may import from another context Y only ``ecovarejo.Y.public`` (its surface:
functions and frozen view types). The composition root (``bootstrap``, ``cli``, ``app``...) may also
import a context's wiring modules (``plugin``, ``cli``). Any other import across a context boundary
— ``models``, ``repository``, ``service``, ``ext_models``, a sub-package — breaks the contract,
whatever the module is called.
"""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output


class PublicSurfaceContract(Contract):
    contexts = fields.ListField(subfield=fields.StringField())
    root = fields.ListField(subfield=fields.StringField())
    public = fields.StringField()
    wired = fields.StringField()

    def check(self, graph, verbose: bool) -> ContractCheck:  # type: ignore[no-untyped-def]
        package = self.session_options["root_packages"][0]
        contexts = {str(c) for c in self.contexts}  # type: ignore[attr-defined]
        root = {str(r) for r in self.root}  # type: ignore[attr-defined]
        public = str(self.public)
        wired = set(str(self.wired).split())
        violations: list[str] = []

        def top(module: str) -> str | None:
            parts = module.split(".")
            return parts[1] if len(parts) > 1 and parts[0] == package else None

        for importer in sorted(graph.modules):
            src = top(importer)
            if src not in contexts and src not in root:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                dst = top(imported)
                if dst is None or dst == src or dst not in contexts:
                    continue
                rest = imported.split(".")[2:]
                allowed = {public} | (wired if src in root else set())
                if len(rest) == 1 and rest[0] in allowed:
                    continue
                line = graph.get_import_details(importer=importer, imported=imported)
                where = f" (l. {line[0]['line_number']})" if line else ""
                violations.append(f"{importer} -> {imported}{where}: use {package}.{dst}.{public}")
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["violations"]:
            output.print_error(line)
