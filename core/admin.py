"""Admin registrations owned by the project as a whole."""

from django.contrib import admin
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

# simplejwt registers its token tables; the outstanding-token page shows whole refresh
# tokens, which would let any staff member sign in as anyone. Tokens are revoked through
# the API (logout, password change), never browsed.
for model in (OutstandingToken, BlacklistedToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
