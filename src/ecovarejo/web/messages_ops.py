"""Messages of the operations pages (event dead letters), pt-BR and English, merged into :mod:`.messages`."""

from __future__ import annotations

PT_BR: dict[str, str] = {
    "replay": "Reprocessar",
    "discard": "Descartar",
    "open_one": "Aberto",
    "dead_letter_replayed": "Evento reprocessado: o consumidor o tratou e ele foi marcado como resolvido.",
    "dead_letter_discarded": "Evento descartado: o efeito dele não vai acontecer.",
    "dead_letter_replay_failed": (
        "O consumidor falhou de novo ao reprocessar; o evento continua aberto. Corrija a causa e tente outra vez."
    ),
    "dead_letters_help": (
        "Eventos que um consumidor não conseguiu tratar depois das tentativas. Corrija a causa e use "
        "Reprocessar (o evento passa de novo pelo consumidor, sem efeito em dobro) ou Descartar. "
        "Cada ação fica registrada no log de auditoria."
    ),
}

EN: dict[str, str] = {
    "replay": "Replay",
    "discard": "Discard",
    "open_one": "Open",
    "dead_letter_replayed": "Event replayed: its consumer handled it and it is marked resolved.",
    "dead_letter_discarded": "Event discarded: its effect will not happen.",
    "dead_letter_replay_failed": "The consumer failed again on replay; the event stays open. Fix the cause and retry.",
    "dead_letters_help": (
        "Events a consumer could not handle after its retries. Fix the cause, then Replay (the event goes "
        "through its consumer again, never with a double effect) or Discard. Each action is written to the "
        "audit log."
    ),
}
