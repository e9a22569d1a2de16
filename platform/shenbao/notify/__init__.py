"""Text messages: the gateways that send them and the phone verification codes sent through them."""
