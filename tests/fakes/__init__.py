"""Local fakes of network services (GitHub REST) for tests; they never touch the internet."""
