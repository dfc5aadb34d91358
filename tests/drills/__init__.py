"""Failure drills (issue #12, point 7): each one breaks something real — Redis, a database
connection, the start-up configuration, a client's socket — and checks what the center
would see. README "Checks → Failure drills" lists them."""
