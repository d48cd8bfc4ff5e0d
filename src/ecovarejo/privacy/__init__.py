"""The privacy (LGPD) context: personal-data registry, audit log, data-subject requests, retention."""
