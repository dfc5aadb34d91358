"""Failure drills: each one breaks something real — Redis, a database
connection, the start-up configuration, a client's socket — and checks what the center
would see. docs/testing.md "Failure drills" lists them."""
