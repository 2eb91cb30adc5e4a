defmodule Phoenix.Token do
  @moduledoc """
  Tokens.
  """
  alias Phoenix.Utils

  @doc "Signs."
  def sign(context, salt, data, opts \\ []) when is_binary(salt) do
    Utils.sign(context, salt, data)
  end

  defp get_key_base(%{endpoint: endpoint}), do: endpoint.config(:secret_key_base)

  defmodule Inner do
    defmacro foo(x), do: x
  end
end
