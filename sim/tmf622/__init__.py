"""The client side of TMF622 v4 productOrderingManagement, shared by ``omsim drive`` (a
scenario's traffic sent to an order manager under test) and the partner gateway of
``omsim serve --partner`` (wholesale orders placed on another operator's order manager).

    target    the HTTP client (httpx, async): requests, retries, Idempotency-Key, counts
    check     is a TMF622 endpoint there, and does it take the key
    listener  a loopback hub listener for the endpoint's notifications
    causes    why an order ended as it did, as a short key from what the endpoint says
"""
