"""Publishing a built site to hosts outside the main network.

Light on purpose: ``generator.config.settings`` imports :mod:`generator.publish.settings`,
and the targets (boto3, git) are imported only when a command needs them.
"""
