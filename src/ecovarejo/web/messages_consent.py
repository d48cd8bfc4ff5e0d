"""Messages of the cookie/analytics consent banner and its preferences page (merged into ``messages``)."""

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
}
