"""Notification Service: email, SMS, WhatsApp and Web Push from events, with templates and preferences."""
