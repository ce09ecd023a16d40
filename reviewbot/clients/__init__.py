"""Network clients: GitHub (PyGithub) with bounded retries; the only place that speaks HTTP."""
