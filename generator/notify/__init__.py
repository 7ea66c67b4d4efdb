"""Notifications: email to contacts and webhooks for every new notice and update.

``plan`` works out what is pending (pure), ``mail`` and ``webhooks`` compose and
deliver, ``record`` remembers what was sent, ``run`` ties them together and
``commands`` adds ``outpost notify``. ``settings`` is the outpost.yaml section and
stays light because generator.config.settings imports it.
"""
