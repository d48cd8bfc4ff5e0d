"""GraphQL at ``/graphql`` (Strawberry) over the contexts' public services, with dataloaders and limits."""
