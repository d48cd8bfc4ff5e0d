"""An import-linter contract for bounded contexts.

Every direct subpackage of the root package other than the kernel is a context. The contract is
broken when (1) the kernel imports any context, or (2) a module of context X imports a *private*
module (``models``, ``repository``) of another context Y. Contexts may import each other's
``service`` (and schemas, errors) freely. New contexts are covered without editing the config.
"""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output


class ContextBoundaryContract(Contract):
    kernel = fields.StringField()
    private = fields.StringField()

    def check(self, graph, verbose: bool) -> ContractCheck:  # type: ignore[no-untyped-def]
        root = self.session_options["root_packages"][0]
        kernel = str(self.kernel)
        private = set(str(self.private).split())
        violations: list[str] = []

        def context_of(module: str) -> str | None:
            parts = module.split(".")
            return parts[1] if len(parts) > 1 and parts[0] == root else None

        for importer in sorted(graph.modules):
            src = context_of(importer)
            if src is None:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                dst = context_of(imported)
                if dst is None or dst == src:
                    continue
                if f"{root}.{src}" == kernel:
                    violations.append(f"{importer} -> {imported} (the kernel imports outside itself)")
                    continue
                parts = imported.split(".")
                if len(parts) >= 3 and parts[2] in private and f"{root}.{dst}" != kernel:
                    violations.append(f"{importer} -> {imported} (private module of context {dst})")
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["violations"]:
            output.print_error(line)
