"""The app as a whole and as deployed: settings, servers, faults, packaging."""
