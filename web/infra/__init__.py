"""What Conduit leans on besides Flask: Redis, and how it goes on when a server stalls."""
