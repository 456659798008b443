"""City applications, each a plug-in package (air, ...)."""
