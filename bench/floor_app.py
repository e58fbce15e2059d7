"""The floor any app on this stack pays at cold start: chalice, boto3 and pynamodb, nothing else."""

import boto3  # noqa: F401
from chalice import Chalice
from pynamodb.models import Model  # noqa: F401

app = Chalice(app_name="floor")
