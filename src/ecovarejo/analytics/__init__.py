"""Analytics: facts per tenant built from events, behaviour events under consent, reports and exports."""
