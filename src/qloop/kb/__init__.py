"""The knowledge base: failure cases, fixes and SOPs that find the engineer when a similar
case arrives."""
