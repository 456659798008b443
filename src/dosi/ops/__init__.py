"""Operations centre: incidents, linked services and public alerts (CAP 1.2)."""
