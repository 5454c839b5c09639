# Local values for `make demo` and `make test` only: the local PayPal sandbox and
# the Messenger page accept them, nothing else does. They are not secrets, and
# Kassa refuses to start with any of them when PUBLIC_URL is not a local address
# (actions/deployment.py), so a deployment cannot keep one by accident.
export PAYPAL_CLIENT_ID ?= kassa-sandbox-client
export PAYPAL_CLIENT_SECRET ?= kassa-sandbox-secret
export FB_VERIFY_TOKEN ?= kassa-local-verify-token
export FB_APP_SECRET ?= kassa-local-app-secret
export FB_PAGE_ACCESS_TOKEN ?= kassa-local-page-token
export MERCHANT_API_TOKEN ?= kassa-local-merchant-token
export REST_API_TOKEN ?= kassa-local-rest-token
