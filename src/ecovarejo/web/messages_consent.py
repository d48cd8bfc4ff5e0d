"""Messages of the cookie/analytics consent banner, its preferences page and the DPO's retention page
(merged into ``messages``)."""

from __future__ import annotations

CONSENT_PT: dict[str, str] = {
    "consent_title": "Cookies e privacidade",
    "consent_text": (
        "Usamos os cookies necessários para a loja funcionar (carrinho, sessão e segurança). Com a sua "
        "permissão, também medimos o uso da loja sob um identificador pseudônimo, sem o seu IP, e guardamos "
        "cookies de marketing. Você pode mudar a escolha a qualquer momento em «Cookies», no rodapé."
    ),
    "consent_accept": "Aceitar",
    "consent_reject": "Recusar",
    "consent_customise": "Personalizar",
    "consent_necessary": "Necessários: sempre ativos",
    "consent_purpose_analytics": "Estatísticas de uso da loja",
    "consent_purpose_marketing": "Cookies de marketing",
    "consent_save": "Salvar minha escolha",
    "consent_saved": "Sua escolha de cookies foi salva.",
    "consent_change": "Mudar a escolha",
    "consent_cookies_link": "Cookies",
    "consent_page_title": "Preferências de cookies",
    "consent_current": "Escolha atual",
    "consent_none_yet": "Você ainda não escolheu.",
    "consent_on": "permitido",
    "consent_off": "recusado",
    "consent_policy_version": "Versão da política de privacidade",
    "err_consent_choice": "Escolha Aceitar, Recusar ou Personalizar.",
    "retention_title": "Prazos de retenção",
    "retention_intro": (
        "Por quanto tempo a loja guarda cada tipo de dado (LGPD art. 15 e 16). A rotina de retenção roda a cada "
        "hora com estes prazos e registra cada execução no log de auditoria."
    ),
    "retention_outbox_days": "Eventos publicados (dias)",
    "retention_dead_letter_days": "Eventos com falha (dias)",
    "retention_ip_days": "Endereços IP de sessões e consentimentos (dias)",
    "retention_notification_days": "Mensagens enviadas: assunto e texto (dias)",
    "retention_cart_days": "Carrinhos abandonados (dias; 1 = 24 horas)",
    "retention_visitor_consent_days": "Escolhas de cookies de visitantes (dias; depois o aviso pergunta de novo)",
    "retention_inactive_account_years": "Contas inativas: aviso por e-mail após (anos)",
    "retention_inactive_grace_days": "Contas inativas: eliminação após o aviso (dias)",
    "retention_tokens": "Links de uso único vencidos e trocas de e-mail encerradas são apagados a cada execução.",
    "retention_save": "Salvar prazos",
    "retention_invalid": "Prazo inválido ou fora dos limites permitidos; nada foi alterado.",
}

CONSENT_EN: dict[str, str] = {
    "consent_title": "Cookies and privacy",
    "consent_text": (
        "We use the cookies the shop needs to work (cart, session and security). With your permission we "
        "also measure how the shop is used, under a pseudonymous id and never your IP address, and keep "
        "marketing cookies. You can change your choice at any time under “Cookies” in the footer."
    ),
    "consent_accept": "Accept",
    "consent_reject": "Refuse",
    "consent_customise": "Customise",
    "consent_necessary": "Necessary: always on",
    "consent_purpose_analytics": "Shop usage statistics",
    "consent_purpose_marketing": "Marketing cookies",
    "consent_save": "Save my choice",
    "consent_saved": "Your cookie choice was saved.",
    "consent_change": "Change the choice",
    "consent_cookies_link": "Cookies",
    "consent_page_title": "Cookie preferences",
    "consent_current": "Current choice",
    "consent_none_yet": "You have not chosen yet.",
    "consent_on": "allowed",
    "consent_off": "refused",
    "consent_policy_version": "Privacy policy version",
    "err_consent_choice": "Choose Accept, Refuse or Customise.",
    "retention_title": "Retention periods",
    "retention_intro": (
        "How long the shop keeps each kind of data (LGPD arts. 15 and 16). The retention job runs hourly with "
        "these periods and records each run in the audit log."
    ),
    "retention_outbox_days": "Published events (days)",
    "retention_dead_letter_days": "Failed events (days)",
    "retention_ip_days": "IP addresses of sessions and consents (days)",
    "retention_notification_days": "Sent messages: subject and text (days)",
    "retention_cart_days": "Abandoned carts (days; 1 = 24 hours)",
    "retention_visitor_consent_days": "Visitors' cookie choices (days; then the banner asks again)",
    "retention_inactive_account_years": "Inactive accounts: e-mail notice after (years)",
    "retention_inactive_grace_days": "Inactive accounts: erasure after the notice (days)",
    "retention_tokens": "Expired single-use links and finished e-mail changes are deleted at every run.",
    "retention_save": "Save periods",
    "retention_invalid": "A period is invalid or out of the allowed bounds; nothing was changed.",
}
